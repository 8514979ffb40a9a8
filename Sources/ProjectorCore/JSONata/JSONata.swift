/// Namespace for the internals of the JSONata implementation (lexer, parser, evaluator, function library).
enum JSONata {}
