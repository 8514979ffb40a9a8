public import ArgumentParser
internal import Foundation
internal import ProjectorCore

/// `projector eval EXPR [--input FILE|-] [--bind name=JSON]…`: a jq-like JSONata runner for projection authors.
public struct EvalCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a JSONata expression and print the result as one line of JSON.",
        discussion: """
            An undefined result prints nothing. An expression error prints 'CODE: message at col N' to standard \
            error and exits 1; unusable input or bindings exit 2.
            """
    )

    /// The expression, taken as written even when it starts with `-` (`projector eval '-$x'`): ArgumentParser
    /// would read such an argument as an unknown flag, so every argument that is not one of the options lands here
    /// and ``validate()`` checks that there is exactly one.
    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp("The JSONata expression (it may start with '-').", valueName: "expression"))
    var arguments: [String] = []

    /// ``arguments`` without the `--` that may end the options (`projector eval -- '-1'`).
    var expressions: [String] {
        guard let terminator = arguments.firstIndex(of: "--") else { return arguments }
        var rest = arguments
        rest.remove(at: terminator)
        return rest
    }

    var expression: String { expressions.first ?? "" }

    @Option(help: "JSON input document ($); '-' reads standard input. Without it the input is undefined.")
    var input: String?

    @Option(
        name: .customLong("bind"),
        help: ArgumentHelp(
            "A variable binding name=JSON (e.g. --bind 'event={\"amount\":5}'), usable as $name.",
            valueName: "name=JSON")
    )
    var bindings: [String] = []

    @Option(help: "Configuration file; eval needs none, but a given file is checked like every command's.")
    var config: String?

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Exactly one expression.
    public func validate() throws {
        let expressions = expressions
        guard expressions.count == 1 else {
            throw ValidationError(
                expressions.isEmpty
                    ? "Missing expected argument '<expression>'"
                    : "expected one expression, got \(expressions.count) arguments: "
                        + expressions.joined(separator: " "))
        }
    }

    /// Evaluates the expression and prints the result as one JSON line (nothing when undefined);
    /// exits 1 on an expression error, 2 on unusable input or bindings.
    public mutating func run() async throws {
        let variables: [String: JSONValue]
        let document: JSONValue?
        do {
            if config != nil { _ = try CommandSupport.fileConfiguration(config) }
            variables = try parsedBindings()
            document = try readInput()
        } catch let failure as CommandFailure {
            CommandSupport.printError(failure.message)
            throw ExitCode(failure.exitCode)
        }
        let result: JSONValue?
        do {
            let compiled = try JSONataExpression(expression)
            result = try compiled.evaluate(document, bindings: variables)
        } catch {
            CommandSupport.printError(error.description)
            throw ExitCode(1)
        }
        if let result { CommandSupport.printLine(result.serialized()) }
    }

    func parsedBindings() throws -> [String: JSONValue] {
        var variables: [String: JSONValue] = [:]
        for binding in bindings {
            guard let equals = binding.firstIndex(of: "=") else {
                throw CommandFailure.usage("--bind '\(binding)': expected name=JSON")
            }
            var name = String(binding[..<equals])
            if name.hasPrefix("$") { name.removeFirst() }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw CommandFailure.usage("--bind '\(binding)': the name must be letters, digits or _")
            }
            do {
                variables[name] = try JSONValue(parsing: String(binding[binding.index(after: equals)...]))
            } catch {
                throw CommandFailure.usage("--bind \(name): the value is not valid JSON (\(error))")
            }
        }
        return variables
    }

    func readInput() throws -> JSONValue? {
        guard let input else { return nil }
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: input) else {
                throw CommandFailure.usage("--input \(input): cannot read the file")
            }
            data = contents
        }
        do {
            return try JSONValue(parsing: data)
        } catch {
            throw CommandFailure.usage("--input \(input): not valid JSON (\(error))")
        }
    }
}
