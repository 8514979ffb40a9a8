extension JSONata {
    /// A frame of variable bindings. The root frame also sees the caller's bindings and the function library.
    final class Environment {
        let parent: Environment?
        private var names: [String] = []
        private var values: [Value?] = []
        private let external: [String: JSONValue]?

        init(parent: Environment?) {
            self.parent = parent
            external = nil
        }

        init(root external: [String: JSONValue]) {
            parent = nil
            self.external = external
        }

        func bind(_ name: String, _ value: Value?) {
            if let position = names.firstIndex(of: name) {
                values[position] = value
            } else {
                names.append(name)
                values.append(value)
            }
        }

        /// The value of `$name`: innermost frame first, then caller bindings, then library functions.
        func lookup(_ name: String) -> Value? {
            var frame: Environment? = self
            while let current = frame {
                if !current.names.isEmpty, let position = current.names.firstIndex(of: name) {
                    return current.values[position]
                }
                if let external = current.external {
                    if let value = external[name] { return Value(value) }
                    return Library.function(named: name)
                }
                frame = current.parent
            }
            return Library.function(named: name)
        }
    }
}
