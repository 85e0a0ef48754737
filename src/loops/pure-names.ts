/**
 * Calls whose effects are known without the catalogue: builtins that only compute a value, and
 * method names that, on values of unknown type, only read (str, bytes, dict, list, hash objects).
 */

/** Builtins that compute a value from their arguments and touch nothing else. */
export const PURE_BUILTINS: ReadonlySet<string> = new Set([
  'abs', 'all', 'any', 'ascii', 'bin', 'bool', 'bytearray', 'bytes', 'callable', 'chr', 'complex',
  'dict', 'divmod', 'enumerate', 'filter', 'float', 'format', 'frozenset', 'hash', 'hex', 'int',
  'isinstance', 'issubclass', 'iter', 'len', 'list', 'map', 'max', 'min', 'oct', 'ord', 'pow',
  'range', 'repr', 'reversed', 'round', 'set', 'slice', 'sorted', 'str', 'sum', 'tuple', 'type', 'zip',
  'getattr', 'hasattr', 'id', 'object',
  // Exception classes: constructing one (to raise it) only builds a value.
  'ArithmeticError', 'AssertionError', 'AttributeError', 'BaseException', 'BaseExceptionGroup', 'BlockingIOError',
  'BrokenPipeError', 'BufferError', 'ChildProcessError', 'ConnectionAbortedError', 'ConnectionError',
  'ConnectionRefusedError', 'ConnectionResetError', 'EOFError', 'EnvironmentError', 'Exception', 'ExceptionGroup',
  'FileExistsError', 'FileNotFoundError', 'FloatingPointError', 'GeneratorExit', 'IOError', 'ImportError',
  'IndentationError', 'IndexError', 'InterruptedError', 'IsADirectoryError', 'KeyError', 'KeyboardInterrupt',
  'LookupError', 'MemoryError', 'ModuleNotFoundError', 'NameError', 'NotADirectoryError', 'NotImplementedError',
  'OSError', 'OverflowError', 'PermissionError', 'ProcessLookupError', 'RecursionError', 'ReferenceError',
  'RuntimeError', 'StopAsyncIteration', 'StopIteration', 'SyntaxError', 'SystemError', 'SystemExit', 'TabError',
  'TimeoutError', 'TypeError', 'UnboundLocalError', 'UnicodeDecodeError', 'UnicodeEncodeError', 'UnicodeError',
  'UnicodeTranslateError', 'ValueError', 'ZeroDivisionError',
]);

/** Builtins that take a function to call: they are pure only when that function is. */
export const HIGHER_ORDER_BUILTINS: ReadonlySet<string> = new Set(['map', 'filter', 'sorted', 'max', 'min']);

/**
 * Methods that read their receiver and return a new value, on the types a loop body usually
 * holds (str, bytes, list, dict, set, tuple, hash objects, regex matches, paths).
 */
export const READING_METHODS: ReadonlySet<string> = new Set([
  'strip', 'lstrip', 'rstrip', 'split', 'rsplit', 'splitlines', 'partition', 'rpartition', 'lower',
  'upper', 'casefold', 'title', 'capitalize', 'swapcase', 'startswith', 'endswith', 'replace',
  'join', 'format', 'format_map', 'encode', 'decode', 'find', 'rfind', 'index', 'rindex', 'count',
  'isdigit', 'isalpha', 'isalnum', 'isspace', 'isupper', 'islower', 'isnumeric', 'isdecimal',
  'isidentifier', 'zfill', 'center', 'ljust', 'rjust', 'expandtabs', 'removeprefix', 'removesuffix',
  'translate', 'hex', 'get', 'keys', 'values', 'items', 'copy', 'hexdigest', 'digest', 'group',
  'groups', 'groupdict', 'span', 'start', 'end', 'bit_length', 'is_integer', 'as_integer_ratio',
  'conjugate', 'issubset', 'issuperset', 'isdisjoint', 'union', 'intersection', 'difference',
  'symmetric_difference', 'most_common', 'total', 'elements', 'fromkeys',
]);

/** Methods that change their receiver: on the item or a shared object they are mutations. */
export const MUTATING_METHODS: ReadonlySet<string> = new Set([
  'append', 'appendleft', 'extend', 'extendleft', 'insert', 'add', 'update', 'pop', 'popleft',
  'popitem', 'remove', 'discard', 'clear', 'sort', 'reverse', 'setdefault', 'rotate',
  'intersection_update', 'difference_update', 'symmetric_difference_update', 'subtract',
  'write', 'writelines', 'send', 'put', 'put_nowait', 'set', 'close',
]);

/** Accumulator methods a commit stage replays in order. */
export const ACCUMULATE_METHODS: ReadonlySet<string> = new Set(['append', 'extend', 'add', 'update', 'appendleft']);

/** Augmented operators that fold values into an accumulator. */
export const REDUCTION_OPERATORS: ReadonlySet<string> = new Set(['+=', '-=', '*=', '|=', '&=', '^=']);

/** Constructors that make a fresh object: mutating it in the iteration that made it is local. */
export const FRESH_CONSTRUCTORS: ReadonlySet<string> = new Set([
  'builtins.list', 'builtins.dict', 'builtins.set', 'builtins.bytearray', 'builtins.sorted',
  'collections.Counter', 'collections.defaultdict', 'collections.OrderedDict', 'collections.deque',
]);

/**
 * Standard-library modules whose functions only compute from their arguments. The catalogue
 * describes the exceptions, and its entries come first: `operator.setitem` and
 * `struct.pack_into` change an argument, `decimal.getcontext` is per-thread state. `heapq` and
 * `bisect` are not here: their functions are catalogued one by one.
 */
export const PURE_MODULES: ReadonlySet<string> = new Set([
  'math', 'cmath', 'statistics', 'operator', 'string', 'textwrap', 'unicodedata', 'decimal', 'fractions',
  'base64', 'binascii', 'itertools', 'functools', 'collections', 'dataclasses', 'copy', 'struct',
]);
