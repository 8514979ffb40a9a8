extension FaultProxy {
    /// The proxy itself: Python with threads, one per connection, driven by commands on standard input
    /// (`cut`, `restore`, `count`, `sever MARKER [BYTES]`, `severed`, `freeze`, `thaw`), each answered with one line. It exits when standard input closes,
    /// so it never outlives the test process.
    static let script = #"""
        import select, socket, ssl, sys, threading, time

        upstream = (sys.argv[1], int(sys.argv[2]))
        context = None
        if len(sys.argv) > 4:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])

        lock = threading.Lock()
        sockets = set()
        state = {"listener": None, "port": 0, "accepted": 0, "sever": None, "severed": 0, "frozen": False}

        def close(sock):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

        def listen():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", state["port"]))
            sock.listen(128)
            state["port"] = sock.getsockname()[1]
            with lock:
                state["listener"] = sock
            threading.Thread(target=accept_loop, args=(sock,), daemon=True).start()

        def cut():
            with lock:
                listener, state["listener"] = state["listener"], None
                doomed = list(sockets)
                sockets.clear()
            if listener is not None:
                close(listener)
            for sock in doomed:
                close(sock)

        def accept_loop(listener):
            while True:
                try:
                    client, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=serve, args=(client,), daemon=True).start()

        def serve(client):
            upstream_sock = None
            try:
                if context is not None:
                    client.settimeout(10)
                    client = context.wrap_socket(client, server_side=True)
                    client.settimeout(None)
                upstream_sock = socket.create_connection(upstream, timeout=10)
                upstream_sock.settimeout(None)
            except (OSError, ssl.SSLError):
                close(client)
                if upstream_sock is not None:
                    close(upstream_sock)
                return
            with lock:
                if state["listener"] is None:
                    live = False
                else:
                    live = True
                    sockets.update((client, upstream_sock))
                    state["accepted"] += 1
            if live:
                pump(client, upstream_sock)
            close(client)
            close(upstream_sock)
            with lock:
                sockets.discard(client)
                sockets.discard(upstream_sock)

        def take_sever(data):
            # The armed one-shot fault when `data` carries its marker (it is then disarmed), else None.
            with lock:
                armed = state["sever"]
                if armed is None or armed[0] not in data:
                    return None
                state["sever"] = None
                state["severed"] += 1
                return armed

        def pump(client, upstream):
            peer = {client: upstream, upstream: client}
            severed = None  # (marker, byte limit or None) once this connection carries the severed request
            remaining = None
            try:
                while True:
                    if state["frozen"]:
                        # A network partition: the connections stay open, nothing gets through either way.
                        time.sleep(0.05)
                        continue
                    ready = [s for s in (client, upstream) if isinstance(s, ssl.SSLSocket) and s.pending()]
                    if not ready:
                        ready, _, _ = select.select([client, upstream], [], [], 1.0)
                    for sock in ready:
                        try:
                            data = sock.recv(65536)
                        except ssl.SSLWantReadError:
                            continue
                        if not data:
                            return
                        if sock is client and severed is None:
                            severed = take_sever(data)
                            if severed is not None:
                                remaining = severed[1]
                        if severed is not None and sock is upstream:
                            return  # the server answered the whole request: drop the answer
                        if remaining is not None:
                            upstream.sendall(data[:remaining])
                            remaining -= min(len(data), remaining)
                            if remaining == 0:
                                return  # only part of the request reached the server
                            continue
                        peer[sock].sendall(data)
            except (OSError, ValueError, ssl.SSLError):
                return

        listen()
        print(state["port"], flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "cut":
                cut()
                print("ok", flush=True)
            elif command == "restore":
                if state["listener"] is None:
                    listen()
                print("ok", flush=True)
            elif command == "count":
                print(state["accepted"], flush=True)
            elif command.startswith("sever "):
                words = command.split()
                limit = int(words[2]) if len(words) > 2 else None
                with lock:
                    state["sever"] = (words[1].encode(), limit)
                print("ok", flush=True)
            elif command == "severed":
                print(state["severed"], flush=True)
            elif command in ("freeze", "thaw"):
                state["frozen"] = command == "freeze"
                print("ok", flush=True)
            else:
                print("unknown command", flush=True)
        cut()
        """#
}
