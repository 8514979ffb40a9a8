#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AdminServer {
    /// Checks that the admin port can be bound on IPv4 `0.0.0.0`, before the service takes any lease: a port in
    /// use would otherwise end the service only after it started, with the socket layer's description.
    ///
    /// Binds a throwaway socket (with `SO_REUSEADDR`, as the server does) and closes it. Port 0 always passes.
    /// - Throws: ``RuntimeError`` `refused` naming the port and the cause.
    public static func checkPortAvailable(_ port: Int) throws(RuntimeError) {
        guard port != 0, let portNumber = UInt16(exactly: port) else { return }
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return }  // No socket to test with: let the server report what it finds.
        defer { close(descriptor) }
        var yes: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = portNumber.bigEndian
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result != 0 else { return }
        let cause = errno == EADDRINUSE ? "already in use (another projector run?)" : String(cString: strerror(errno))
        throw RuntimeError(
            .refused, "--http-port \(port): port \(port) \(cause); choose another with --http-port or http.port")
    }
}
