#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(Glibc)
    // glibc's thread attribute calls, declared here because the Glibc module does not export the `_np` extension.
    @_silgen_name("pthread_getattr_np")
    private func getThreadAttributes(_ thread: pthread_t, _ attributes: UnsafeMutableRawPointer) -> Int32
    @_silgen_name("pthread_attr_destroy")
    private func destroyThreadAttributes(_ attributes: UnsafeMutableRawPointer) -> Int32
    @_silgen_name("pthread_attr_getstack")
    private func getStack(
        _ attributes: UnsafeMutableRawPointer, _ address: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
        _ size: UnsafeMutablePointer<Int>
    ) -> Int32
#endif

extension JSONata {
    /// Measures how much of the current thread's stack is left, so that deep recursion raises U1001 instead of
    /// crashing, whatever the thread's stack size (debug builds and small task stacks included).
    enum StackGuard {
        /// Keep this many bytes free below the deepest evaluation frame.
        static let reserve = 128 * 1024

        /// Address of a local in the caller's frame.
        @inline(__always)
        static func currentAddress() -> Int {
            var marker: UInt8 = 0
            return withUnsafeMutablePointer(to: &marker) { Int(bitPattern: $0) }
        }

        /// Lowest usable address of the current thread's stack, or nil when it cannot be determined.
        static func lowestAddress() -> Int? {
            #if canImport(Darwin)
                let thread = pthread_self()
                let top = Int(bitPattern: pthread_get_stackaddr_np(thread))
                return top - pthread_get_stacksize_np(thread)
            #elseif canImport(Glibc)
                // pthread_attr_t is opaque storage; 64 bytes on x86-64 and arm64 glibc, allocated generously.
                let attributes = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
                defer { attributes.deallocate() }
                guard getThreadAttributes(pthread_self(), attributes) == 0 else { return nil }
                defer { _ = destroyThreadAttributes(attributes) }
                var address: UnsafeMutableRawPointer?
                var size = 0
                guard getStack(attributes, &address, &size) == 0, let address else { return nil }
                return Int(bitPattern: address)
            #else
                return nil
            #endif
        }
    }
}
