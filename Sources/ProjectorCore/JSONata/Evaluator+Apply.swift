extension JSONata.Evaluator {
    typealias FunctionValue = JSONata.FunctionValue

    private func nonFunctionError(
        _ procedure: Node, _ environment: Environment, code: String, hintCode: String,
        message: String
    ) -> JSONataError {
        if procedure.kind == .path, let first = procedure.expressions.first, first.kind == .name,
            environment.lookup(first.value) != nil
        {
            return JSONataError(
                code: hintCode, message: "\(message). Did you mean $\(first.value)?", position: procedure.position,
                token: first.value)
        }
        let token = procedure.kind == .variable ? procedure.value : nil
        return JSONataError(code: code, message: message, position: procedure.position, token: token)
    }

    func evaluateCall(_ node: Node, _ input: Value?, _ environment: Environment, prepending first: Value??)
        throws(JSONataError) -> Value?
    {
        let procedure = try evaluate(node.callee, input, environment)
        if procedure == nil {
            throw nonFunctionError(
                node.callee, environment, code: "T1006", hintCode: "T1005",
                message: "Attempted to invoke a non-function")
        }
        var arguments: [Value?] = []
        arguments.reserveCapacity(node.expressions.count + 1)
        if let first { arguments.append(first) }
        for argument in node.expressions {
            arguments.append(try evaluate(argument, input, environment))
        }
        return try apply(procedure, arguments, input, environment, node: node)
    }

    func evaluatePartial(_ node: Node, _ input: Value?, _ environment: Environment) throws(JSONataError) -> Value? {
        let procedure = try evaluate(node.callee, input, environment)
        guard case .function(let function)? = procedure else {
            throw nonFunctionError(
                node.callee, environment, code: "T1008", hintCode: "T1007",
                message: "Attempted to partially apply a non-function")
        }
        var arguments: [Value?] = []
        var holes: [Int] = []
        for (offset, argument) in node.expressions.enumerated() {
            if argument.kind == .placeholder {
                holes.append(offset)
                arguments.append(nil)
            } else {
                arguments.append(try evaluate(argument, input, environment))
            }
        }
        return .function(FunctionValue(.partial(function: function, arguments: arguments, holes: holes)))
    }

    func evaluateApplyOperator(_ node: Node, _ input: Value?, _ environment: Environment) throws(JSONataError)
        -> Value?
    {
        let left = try evaluate(node.left, input, environment)
        let right = node.right
        if right.kind == .call {
            var result = try evaluateCall(right, input, environment, prepending: .some(left))
            if right.keepArray, case .array(var array)? = result, array.isSequence {
                array.flags.insert(.keepSingleton)
                result = .array(array)
            }
            return result
        }
        let function = try evaluate(right, input, environment)
        guard case .function(let second)? = function else {
            throw JSONataError(
                code: "T2006", message: "The right side of the function application operator ~> must be a function",
                position: node.position, token: "~>")
        }
        if case .function(let first)? = left {
            return .function(FunctionValue(.composition(first: first, second: second)))
        }
        return try apply(function, [left], input, environment, node: node)
    }

    /// Calls a function value, running tail calls (thunks) in a loop instead of recursing.
    func apply(_ procedure: Value?, _ arguments: [Value?], _ input: Value?, _ environment: Environment, node: Node?)
        throws(JSONataError) -> Value?
    {
        var result = try applyOnce(procedure, arguments, input, environment, node: node)
        while case .function(let function)? = result,
            case .thunk(let thunk, let thunkEnvironment, let thunkInput) =
                function.kind
        {
            guard let call = thunk.body, let callee = call.procedure else { break }
            let next = try evaluate(callee, thunkInput, thunkEnvironment)
            if next == nil {
                throw nonFunctionError(
                    callee, thunkEnvironment, code: "T1006", hintCode: "T1005",
                    message: "Attempted to invoke a non-function")
            }
            var nextArguments: [Value?] = []
            for argument in call.expressions {
                nextArguments.append(try evaluate(argument, thunkInput, thunkEnvironment))
            }
            result = try applyOnce(next, nextArguments, thunkInput, thunkEnvironment, node: call)
        }
        return result
    }

    private func applyOnce(
        _ procedure: Value?, _ arguments: [Value?], _ input: Value?, _ environment: Environment,
        node: Node?
    ) throws(JSONataError) -> Value? {
        guard case .function(let function)? = procedure else {
            let token = node?.procedure.flatMap { $0.kind == .variable ? $0.value : nil }
            throw JSONataError(
                code: "T1006", message: "Attempted to invoke a non-function", position: node?.position, token: token)
        }
        return try invoke(function, arguments, input, environment, node: node)
    }

    func invoke(
        _ function: FunctionValue, _ arguments: [Value?], _ input: Value?, _ environment: Environment,
        node: Node?
    ) throws(JSONataError) -> Value? {
        let position = node?.position ?? 0
        switch function.kind {
        case .lambda(let lambda, let closure, let closureInput):
            var arguments = arguments
            if let signature = lambda.signature {
                arguments = try signature.validate(arguments, context: input, name: "function", position: position)
            }
            let frame = Environment(parent: closure)
            for (offset, name) in lambda.params.enumerated() {
                frame.bind(name, offset < arguments.count ? arguments[offset] : nil)
            }
            guard let body = lambda.body else { return nil }
            return try evaluate(body, closureInput, frame)
        case .thunk(let thunk, let closure, let closureInput):
            guard let body = thunk.body else { return nil }
            return try evaluate(body, closureInput, closure)
        case .builtin(let builtin):
            var validated = arguments
            if let signature = builtin.signature {
                validated = try signature.validate(
                    arguments, context: Self.unwrapOuter(input), name: builtin.name, position: position)
            }
            let context = JSONata.CallContext(
                evaluator: self, input: input, environment: environment, position: position)
            return try builtin.implementation(&validated, context)
        case .partial(let base, let fixed, let holes):
            var full = fixed
            for (offset, hole) in holes.enumerated() {
                full[hole] = offset < arguments.count ? arguments[offset] : nil
            }
            return try apply(.function(base), full, input, environment, node: node)
        case .composition(let first, let second):
            let intermediate = try apply(.function(first), arguments, input, environment, node: node)
            return try apply(.function(second), [intermediate], input, environment, node: node)
        case .regex(let regex):
            return try regex.matchObject(arguments.first ?? nil, from: 0)
        case .transform(let transform, let closure):
            return try evaluateTransform(transform, arguments.first ?? nil, closure)
        case .native(let native):
            return try native(
                arguments,
                JSONata.CallContext(evaluator: self, input: input, environment: environment, position: position))
        }
    }

    /// Calls `function` for a higher-order library function, passing only as many arguments as it declares.
    func callback(_ function: FunctionValue, _ arguments: [Value?], context: JSONata.CallContext) throws(JSONataError)
        -> Value?
    {
        var arity = function.arity
        if case .builtin = function.kind { arity = max(arity, 1) }
        let passed = arity < arguments.count ? Array(arguments.prefix(arity)) : arguments
        return try apply(.function(function), passed, context.input, context.environment, node: nil)
    }
}
