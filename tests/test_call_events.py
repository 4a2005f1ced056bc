"""Exact streams of the call events: CALL, C_RETURN and C_RAISE.

Every event is recorded as ``(event, co_name, offset, callable, arg0)``.
The offset is the call instruction of the running bytecode, found with
``dis`` (``call_sites`` below):

* 3.12+: ``CALL`` (3.13: also ``CALL_KW``), ``CALL_FUNCTION_EX``, and
  ``LOAD_SUPER_ATTR`` for ``super().x`` (it calls ``super`` itself);
* 3.11: the ``CALL`` of a ``PRECALL``/``CALL`` pair (``PRECALL`` only
  prepares the stack; the call happens, and may fail, at ``CALL``), and
  ``CALL_FUNCTION_EX``;
* 3.8-3.10: ``CALL_FUNCTION``, ``CALL_FUNCTION_KW``, ``CALL_METHOD``,
  ``CALL_FUNCTION_EX``.

3.13.0 is the reference where 3.12.1 differs (the constants just below pin
3.12.1).  Where old bytecode makes the 3.13 stream impossible the
expectation is pinned per version with the reason next to it.  Where the
backport disagrees with native and the bytecode does not force it, the test
is an expected failure on 3.8-3.11 with a comment starting ``ENGINE:``.

Only calls made by the module-level code of this file are recorded
(``MONITORED``): the test methods' own calls (``self.stop()`` ...) and
everything in unittest or the support module are ignored.
"""

import functools
import threading
import unittest

from tests.support import (PY, Layout, MonitoringTestCase, Recorder, X,
                           catch, events, in_codes, in_files, monitoring,
                           run_in_thread)

E = events
DISABLE = monitoring.DISABLE
MISSING = monitoring.MISSING
HERE = in_files(__file__)
NATIVE = PY >= (3, 12)

CALLS = E.CALL | E.C_RETURN | E.C_RAISE
FRAMES = E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.PY_YIELD | E.PY_RESUME


def MONITORED(code):
    """Code filter: the module-level monitored code of this file, not the
    test cases' methods (``TEST_CODES``, filled in at the end)."""
    return HERE(code) and code not in TEST_CODES


TEST_CODES = frozenset()


# 3.12.1 gives no CALL for CALL_FUNCTION_EX, ``f(*a)`` / ``f(**k)``, when
# the callable is a Python function or a bound method; 3.13.0 gives the
# CALL (and, the callee being Python code, no C_RETURN).
NO_CALL_FOR_PYTHON_EX = PY == (3, 12)

# 3.12.1 passes None as arg0 of CALL_FUNCTION_EX with an empty positional
# tuple (``int(*())``, ``dict(**k)``); 3.13.0 passes MISSING.
EMPTY_EX_ARG0 = None if PY == (3, 12) else MISSING

# Before 3.12 (PEP 709) list comprehensions are functions of their own,
# called with the iterator: one more CALL, and their own frame.
COMPREHENSION_CALLS = PY < (3, 12)

# 3.8-3.10 compile ``obj.m(x=1)`` as LOAD_ATTR (a bound method) and
# CALL_FUNCTION_KW: the callable is the bound method and arg0 the keyword
# value.  LOAD_METHOD is only used for calls without keywords there.
METHOD_CALL_WITH_KEYWORDS = PY >= (3, 11)

# 3.8 exits a ``with`` block through WITH_CLEANUP_START, which calls
# ``__exit__`` itself; 3.9+ compile an explicit call of
# ``__exit__(None, None, None)``.  The backport reports both as 3.12's
# CALL (3.8: at the WITH_CLEANUP_START of a normal exit, session 11).
WITH_EXIT_CALL = True

# 3.11+ call ``__exit__`` with the method slot filled (the stack is
# [bound __exit__, None, None, None], CALL 2): the bound method itself is
# called, which is not a Python-function call, so C_RETURN (or C_RAISE)
# follows.  3.9 and 3.10 compile ``LOAD_CONST None; DUP_TOP; DUP_TOP;
# CALL_FUNCTION 3``, which has no method slot; the backport tells that
# call by its shape and reports it as 3.12 does (``bm = obj.m; bm(x)``,
# an ordinary call of a bound method, still gives no C_RETURN); so does
# 3.8's WITH_CLEANUP_START.
WITH_EXIT_C_RETURN = True


def expected_failure_if(condition):
    return unittest.expectedFailure if condition else (lambda f: f)


if PY >= (3, 12):
    CALL_OPS = ('CALL', 'CALL_KW', 'CALL_FUNCTION_EX', 'LOAD_SUPER_ATTR')
elif PY == (3, 11):
    CALL_OPS = ('CALL', 'CALL_FUNCTION_EX')
else:
    CALL_OPS = ('CALL_FUNCTION', 'CALL_FUNCTION_KW', 'CALL_METHOD',
                'CALL_FUNCTION_EX')
    if PY == (3, 8):
        CALL_OPS += ('WITH_CLEANUP_START',)


def code_of(obj):
    return getattr(obj, '__code__', obj)


def call_sites(func, rel_line):
    """Offsets of the call instructions on line ``rel_line`` (relative to
    the ``def``) of ``func``, in bytecode order."""
    L = Layout(code_of(func))
    return [o for o in L.offsets(*CALL_OPS) if L.line_of(o) == rel_line]


def call_site(func, rel_line):
    """The only call instruction on a line."""
    found = call_sites(func, rel_line)
    if len(found) != 1:
        raise AssertionError('%s: calls on line +%d at %r'
                             % (code_of(func).co_name, rel_line, found))
    return found[0]


def ret(func):
    return Layout(code_of(func)).ret


class Like(object):
    """Expected value matching any ``v`` with ``predicate(v)``."""

    def __init__(self, description, predicate):
        self.description = description
        self.predicate = predicate

    def __eq__(self, other):
        return bool(self.predicate(other))

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self):
        return '<%s>' % self.description


def function_of(code):
    return Like('function of %s' % code.co_name,
                lambda v: getattr(v, '__code__', None) is code)


def instance_of(cls):
    return Like('a %s' % cls.__name__, lambda v: type(v) is cls)


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` matter (call_site).

side_effects = []


def target(x=0, *rest, **kw):
    return x


def record_arg(x):
    side_effects.append(x)
    return x


def raises_key_error(key):
    raise KeyError(key)


def two_values():
    yield 1
    yield 2


class Thing(object):
    def method(self, x):
        return x

    @classmethod
    def cmethod(cls, x):
        return x

    @staticmethod
    def smethod(x):
        return x

    @property
    def prop(self):
        return 'p'

    def __call__(self, x):
        return x


class Flaky(object):
    @property
    def bad(self):
        raise AttributeError('bad')


def catching_gen():
    try:
        yield 1
    except KeyError:
        yield 2


class WithInit(object):
    def __init__(self, a):
        self.a = a


class FailingInit(object):
    def __init__(self):
        raise KeyError('init')


class Base(object):
    def greet(self, x):
        return x


class Derived(Base):
    def greet(self, x):
        return super().greet(x)

    def greet_explicit(self, x):
        return super(Derived, self).greet(x)

    def super_class(self):
        return super().__class__


class Manager(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def deco(fn):
    return fn


def call_function():
    return target(1)


def call_method(obj):
    return obj.method(2)


def call_bound_method_variable(obj):
    bound = obj.method
    return bound(3)


def call_classmethod(obj):
    Thing.cmethod(4)
    return obj.cmethod(5)


def call_staticmethod(obj):
    Thing.smethod(6)
    return obj.smethod(7)


def read_property(obj):
    return obj.prop


def call_through_class(obj):
    return Thing.method(obj, 8)


def call_class():
    return WithInit(9)


def call_builtins():
    len('ab')
    return abs(-3)


def call_method_descriptor(seq):
    seq.append(10)
    return seq


def call_builtin_classmethod():
    return dict.fromkeys('a')


def call_descriptor_through_type():
    return str.upper('b')


def call_builtin_bound_variable(seq):
    append = seq.append
    append(11)


def call_partial(p):
    return p(12)


def call_instance(obj):
    return obj(13)


def call_no_arguments():
    target()
    return dict()


def call_keywords():
    target(x=14, y=15)
    return dict(a=16)


def call_positional_and_keyword():
    return target(17, y=18)


def call_method_keyword(obj):
    return obj.method(x=26)


def enables_calls(tool):
    monitoring.set_events(tool, E.CALL)
    return len('on')


def disables_calls(tool):
    len('still')
    monitoring.set_events(tool, 0)
    return len('off')


def call_lambda():
    square = lambda v: v * v  # noqa: E731
    return square(19)


def call_star_python(args):
    return target(*args)


def call_star_builtin(args):
    return max(*args)


def call_star_empty(args):
    return int(*args)


def call_star_mixed(args):
    return max(20, *args)


def call_kwstar_python(kw):
    return target(**kw)


def call_kwstar_builtin(kw):
    return dict(**kw)


def call_star_bound_method(obj, args):
    return obj.method(*args)


def call_star_class(args):
    return WithInit(*args)


def call_genexpr(seq):
    return sum(v for v in seq)


def call_listcomp(seq):
    return [v for v in seq]


def call_next():
    gen = two_values()
    first = next(gen)
    second = next(gen)
    return (first, second, call_next_exhausted(gen))


def call_next_exhausted(gen):
    try:
        next(gen)
    except StopIteration:
        return 'exhausted'


def call_map():
    return list(map(target, (21,)))


def call_class_statement():
    class Local(object):
        pass
    return Local


def call_decorator():
    @deco
    def decorated():
        pass
    return decorated


def call_with():
    with Manager():
        pass


class RaisingExit(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        raise KeyError('exit')


def call_with_raising_exit():
    try:
        with RaisingExit():
            pass
    except KeyError:
        return 'caught'


def call_bound_method_none_args():
    bm = Manager().__exit__
    return bm(None, None, None)


def call_int_fails():
    try:
        int('x')
    except ValueError:
        return 'caught'


def call_python_fails():
    try:
        raises_key_error('k')
    except KeyError:
        return 'caught'


def call_init_fails():
    try:
        FailingInit()
    except KeyError:
        return 'caught'


def call_nested():
    return abs(target(-22))


def call_in_loop():
    for i in range(2):
        abs(i)
    return len(())


def call_record(x):
    return record_arg(x)


def call_append(seq):
    seq.append(23)


def call_int(text):
    return int(text)


def call_guarded(text):
    try:
        return int(text)
    except RuntimeError:
        return 'handled'


def gen_with_calls():
    yield len('a')
    yield abs(-1)


def call_gen_with_calls():
    return list(gen_with_calls())


def recursive_calls(n):
    if n:
        return abs(recursive_calls(n - 1))
    return len('')


def call_hasattr(obj):
    return hasattr(obj, 'bad')


def call_generator_methods():
    gen = catching_gen()
    next(gen)
    value = gen.throw(KeyError('k'))
    gen.close()
    return value


def call_map_nested():
    return list(map(record_arg, (27,)))


def call_after_failure():
    try:
        int('x')
    except ValueError:
        return abs(-5)


# A call with more than 255 arguments: on 3.8/3.9 its CALL_FUNCTION has an
# EXTENDED_ARG prefix; 3.10+ build a tuple and use CALL_FUNCTION_EX for
# that many arguments.  Compiled with this file's name so that MONITORED
# accepts it.
_ns = {}
exec(compile('def call_with_extended_arg():\n    return max(%s)\n'
             % ', '.join(str(i) for i in range(300)), __file__, 'exec'), _ns)
call_with_extended_arg = _ns['call_with_extended_arg']
del _ns


def warm(fn, *args):
    for _ in range(100):
        fn(*args)


# --------------------------------------------------------------------------

class CallableKindsTest(MonitoringTestCase):

    def record(self, event_set, fn, *args):
        rec = self.recorder(0, event_set, MONITORED)
        result = fn(*args)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return rec, result

    def test_function(self):
        rec, result = self.record(CALLS | FRAMES, call_function)
        c = call_site(call_function, 1)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_function', 0),
            ('CALL', 'call_function', c, target, 1),
            ('PY_START', 'target', 0),
            ('PY_RETURN', 'target', ret(target), 1),
            ('PY_RETURN', 'call_function', ret(call_function), 1),
        ])

    def test_method(self):
        obj = Thing()
        rec, result = self.record(CALLS | FRAMES, call_method, obj)
        c = call_site(call_method, 1)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_method', 0),
            # the function and the instance
            ('CALL', 'call_method', c, Thing.method, obj),
            ('PY_START', 'method', 0),
            ('PY_RETURN', 'method', ret(Thing.method), 2),
            ('PY_RETURN', 'call_method', ret(call_method), 2),
        ])

    def test_bound_method_in_a_variable(self):
        obj = Thing()
        rec, result = self.record(CALLS | FRAMES,
                                  call_bound_method_variable, obj)
        c = call_site(call_bound_method_variable, 2)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_bound_method_variable', 0),
            # the bound method and the first argument; no C_RETURN
            ('CALL', 'call_bound_method_variable', c, obj.method, 3),
            ('PY_START', 'method', 0),
            ('PY_RETURN', 'method', ret(Thing.method), 3),
            ('PY_RETURN', 'call_bound_method_variable',
             ret(call_bound_method_variable), 3),
        ])
        bound = rec.records[1].args[1]
        self.assertIs(type(bound), type(obj.method))
        self.assertIs(bound.__self__, obj)

    def test_classmethod(self):
        obj = Thing()
        rec, result = self.record(CALLS, call_classmethod, obj)
        # the method bound to the class, and the first argument
        self.assertEqual(rec.events(), [
            ('CALL', 'call_classmethod', call_site(call_classmethod, 1),
             Thing.cmethod, 4),
            ('CALL', 'call_classmethod', call_site(call_classmethod, 2),
             Thing.cmethod, 5),
        ])
        for r in rec.records:
            self.assertIs(r.args[1].__self__, Thing)

    def test_staticmethod(self):
        obj = Thing()
        rec, result = self.record(CALLS, call_staticmethod, obj)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_staticmethod', call_site(call_staticmethod, 1),
             Thing.smethod, 6),
            ('CALL', 'call_staticmethod', call_site(call_staticmethod, 2),
             Thing.smethod, 7),
        ])

    def test_property_access_is_not_a_call(self):
        obj = Thing()
        rec, result = self.record(CALLS | FRAMES, read_property, obj)
        self.assertEqual(result, 'p')
        self.assertEqual(rec.events(), [
            ('PY_START', 'read_property', 0),
            ('PY_START', 'prop', 0),
            ('PY_RETURN', 'prop', ret(Thing.prop.fget), 'p'),
            ('PY_RETURN', 'read_property', ret(read_property), 'p'),
        ])

    def test_function_through_the_class(self):
        obj = Thing()
        rec, result = self.record(CALLS, call_through_class, obj)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_through_class', call_site(call_through_class, 1),
             Thing.method, obj),
        ])

    def test_class_with_python_init(self):
        rec, result = self.record(CALLS | FRAMES, call_class)
        c = call_site(call_class, 1)
        init = WithInit.__init__
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_class', 0),
            ('CALL', 'call_class', c, WithInit, 9),
            ('PY_START', '__init__', 0),
            ('PY_RETURN', '__init__', ret(init), None),
            # a class is not a Python function: C_RETURN after __init__
            ('C_RETURN', 'call_class', c, WithInit, 9),
            ('PY_RETURN', 'call_class', ret(call_class), result),
        ])

    def test_builtin_functions(self):
        rec, result = self.record(CALLS, call_builtins)
        c1 = call_site(call_builtins, 1)
        c2 = call_site(call_builtins, 2)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_builtins', c1, len, 'ab'),
            ('C_RETURN', 'call_builtins', c1, len, 'ab'),
            ('CALL', 'call_builtins', c2, abs, -3),
            ('C_RETURN', 'call_builtins', c2, abs, -3),
        ])

    def test_method_descriptor(self):
        seq = []
        rec, result = self.record(CALLS, call_method_descriptor, seq)
        c = call_site(call_method_descriptor, 1)
        self.assertEqual(rec.events(), [
            # the unbound descriptor and the list
            ('CALL', 'call_method_descriptor', c, list.append, seq),
            ('C_RETURN', 'call_method_descriptor', c, list.append, seq),
        ])
        for r in rec.records:
            self.assertIs(r.args[2], seq)

    def test_classmethod_of_a_builtin_type(self):
        rec, result = self.record(CALLS, call_builtin_classmethod)
        c = call_site(call_builtin_classmethod, 1)
        # the method bound to the type
        self.assertEqual(rec.events(), [
            ('CALL', 'call_builtin_classmethod', c, dict.fromkeys, 'a'),
            ('C_RETURN', 'call_builtin_classmethod', c, dict.fromkeys, 'a'),
        ])
        self.assertIs(rec.records[0].args[1].__self__, dict)

    def test_method_descriptor_through_the_type(self):
        rec, result = self.record(CALLS, call_descriptor_through_type)
        c = call_site(call_descriptor_through_type, 1)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_descriptor_through_type', c, str.upper, 'b'),
            ('C_RETURN', 'call_descriptor_through_type', c, str.upper, 'b'),
        ])

    def test_builtin_method_in_a_variable(self):
        seq = []
        rec, result = self.record(CALLS, call_builtin_bound_variable, seq)
        c = call_site(call_builtin_bound_variable, 2)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_builtin_bound_variable', c, seq.append, 11),
            ('C_RETURN', 'call_builtin_bound_variable', c, seq.append, 11),
        ])
        self.assertEqual(seq, [11])

    def test_partial(self):
        p = functools.partial(target, 'bound')
        rec, result = self.record(CALLS | FRAMES, call_partial, p)
        c = call_site(call_partial, 1)
        self.assertEqual(result, 'bound')
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_partial', 0),
            ('CALL', 'call_partial', c, p, 12),
            ('PY_START', 'target', 0),
            ('PY_RETURN', 'target', ret(target), 'bound'),
            ('C_RETURN', 'call_partial', c, p, 12),
            ('PY_RETURN', 'call_partial', ret(call_partial), 'bound'),
        ])

    def test_callable_instance(self):
        obj = Thing()
        rec, result = self.record(CALLS | FRAMES, call_instance, obj)
        c = call_site(call_instance, 1)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_instance', 0),
            ('CALL', 'call_instance', c, obj, 13),
            ('PY_START', '__call__', 0),
            ('PY_RETURN', '__call__', ret(Thing.__call__), 13),
            ('C_RETURN', 'call_instance', c, obj, 13),
            ('PY_RETURN', 'call_instance', ret(call_instance), 13),
        ])

    def test_no_arguments_gives_missing(self):
        rec, result = self.record(CALLS, call_no_arguments)
        c1 = call_site(call_no_arguments, 1)
        c2 = call_site(call_no_arguments, 2)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_no_arguments', c1, target, MISSING),
            ('CALL', 'call_no_arguments', c2, dict, MISSING),
            ('C_RETURN', 'call_no_arguments', c2, dict, MISSING),
        ])
        for r in rec.records:
            self.assertIs(r.args[2], MISSING)

    def test_keywords_give_the_first_keyword_value(self):
        rec, result = self.record(CALLS, call_keywords)
        c1 = call_site(call_keywords, 1)
        c2 = call_site(call_keywords, 2)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_keywords', c1, target, 14),
            ('CALL', 'call_keywords', c2, dict, 16),
            ('C_RETURN', 'call_keywords', c2, dict, 16),
        ])

    def test_positional_before_keyword(self):
        rec, result = self.record(CALLS, call_positional_and_keyword)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_positional_and_keyword',
             call_site(call_positional_and_keyword, 1), target, 17),
        ])

    def test_method_with_keyword_argument(self):
        obj = Thing()
        rec, result = self.record(CALLS | E.PY_START, call_method_keyword,
                                  obj)
        c = call_site(call_method_keyword, 1)
        if METHOD_CALL_WITH_KEYWORDS:
            # the function and the instance
            call = ('CALL', 'call_method_keyword', c, Thing.method, obj)
        else:
            # the bound method and the first keyword value
            call = ('CALL', 'call_method_keyword', c, obj.method, 26)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_method_keyword', 0),
            call,
            # no C_RETURN: the bound method of a Python function is
            # called like that function
            ('PY_START', 'method', 0),
        ])

    def test_lambda(self):
        rec, result = self.record(CALLS | FRAMES, call_lambda)
        lam = [c for c in call_lambda.__code__.co_consts
               if hasattr(c, 'co_code')][0]
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_lambda', 0),
            ('CALL', 'call_lambda', call_site(call_lambda, 2),
             function_of(lam), 19),
            ('PY_START', '<lambda>', 0),
            ('PY_RETURN', '<lambda>', ret(lam), 361),
            ('PY_RETURN', 'call_lambda', ret(call_lambda), 361),
        ])

    def test_class_statement_calls_build_class(self):
        import builtins
        rec, result = self.record(CALLS | FRAMES, call_class_statement)
        body = [c for c in call_class_statement.__code__.co_consts
                if hasattr(c, 'co_code')][0]
        c = call_site(call_class_statement, 1)
        build = builtins.__build_class__
        B = Layout(body)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_class_statement', 0),
            ('CALL', 'call_class_statement', c, build, function_of(body)),
            ('PY_START', 'Local', B.start),
            ('PY_RETURN', 'Local', B.ret, None),
            ('C_RETURN', 'call_class_statement', c, build,
             function_of(body)),
            ('PY_RETURN', 'call_class_statement', ret(call_class_statement),
             result),
        ])

    def test_decorator(self):
        rec, result = self.record(CALLS, call_decorator)
        # 3.8-3.10 give the decorator call the line of the ``def``
        line = 1 if PY >= (3, 11) else 2
        self.assertEqual(rec.events(), [
            ('CALL', 'call_decorator', call_site(call_decorator, line),
             deco, result),
        ])

    def test_map_calls_python_from_c_without_call_events(self):
        rec, result = self.record(CALLS | FRAMES, call_map)
        self.assertEqual(result, [21])
        c_map, c_list = call_sites(call_map, 1)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_map', 0),
            ('CALL', 'call_map', c_map, map, target),
            ('C_RETURN', 'call_map', c_map, map, target),
            ('CALL', 'call_map', c_list, list, instance_of(map)),
            ('PY_START', 'target', 0),
            ('PY_RETURN', 'target', ret(target), 21),
            ('C_RETURN', 'call_map', c_list, list, instance_of(map)),
            ('PY_RETURN', 'call_map', ret(call_map), [21]),
        ])

    def test_nested_calls(self):
        rec, result = self.record(CALLS, call_nested)
        # bytecode order is the execution order: inner call first
        c_target, c_abs = call_sites(call_nested, 1)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_nested', c_target, target, -22),
            ('CALL', 'call_nested', c_abs, abs, -22),
            ('C_RETURN', 'call_nested', c_abs, abs, -22),
        ])

    def with_statement_stream(self, event_set):
        rec, result = self.record(event_set, call_with)
        sites = Layout(call_with.__code__).offsets(*CALL_OPS)
        exit_method = Like('bound Manager.__exit__', lambda v: (
            getattr(v, '__func__', None) is Manager.__exit__))
        expected = [
            ('CALL', 'call_with', sites[0], Manager, MISSING),
            ('C_RETURN', 'call_with', sites[0], Manager, MISSING),
        ]
        if WITH_EXIT_CALL:
            # ``__exit__(None, None, None)``: the bound method and None
            expected.append(('CALL', 'call_with', sites[1], exit_method,
                             None))
            if WITH_EXIT_C_RETURN:
                expected.append(('C_RETURN', 'call_with', sites[1],
                                 exit_method, None))
        return rec.events(), expected

    def test_with_statement_calls(self):
        # only CALL callbacks: the part every version agrees on
        got, expected = self.with_statement_stream(E.CALL)
        self.assertEqual(got, [e for e in expected if e[0] == 'CALL'])

    def test_with_statement_c_returns(self):
        got, expected = self.with_statement_stream(CALLS)
        self.assertEqual(got, expected)

    def test_with_statement_exit_raises(self):
        # __exit__ raising at the normal end of the block: C_RAISE where
        # the exit call gives C_RETURN (WITH_EXIT_C_RETURN)
        rec, result = self.record(CALLS, call_with_raising_exit)
        self.assertEqual(result, 'caught')
        sites = Layout(call_with_raising_exit.__code__).offsets(*CALL_OPS)
        exit_method = Like('bound RaisingExit.__exit__', lambda v: (
            getattr(v, '__func__', None) is RaisingExit.__exit__))
        expected = [
            ('CALL', 'call_with_raising_exit', sites[0], RaisingExit,
             MISSING),
            ('C_RETURN', 'call_with_raising_exit', sites[0], RaisingExit,
             MISSING),
        ]
        if WITH_EXIT_CALL:
            expected.append(('CALL', 'call_with_raising_exit', sites[1],
                             exit_method, None))
            if WITH_EXIT_C_RETURN:
                expected.append(('C_RAISE', 'call_with_raising_exit',
                                 sites[1], exit_method, None))
        # (the KeyError call inside __exit__ is its own frame's event)
        self.assertEqual([e for e in rec.events()
                          if e[1] == 'call_with_raising_exit'], expected)

    def test_bound_method_called_with_none_arguments(self):
        # the with-exit shape is told by the bytecode, not by the values:
        # an ordinary call of a bound method with three Nones gives no
        # C_RETURN (a Python call, natively too)
        rec, result = self.record(CALLS, call_bound_method_none_args)
        self.assertIs(result, False)
        c = Layout(call_bound_method_none_args.__code__).offsets(
            *CALL_OPS)
        exit_method = Like('bound Manager.__exit__', lambda v: (
            getattr(v, '__func__', None) is Manager.__exit__))
        self.assertEqual(rec.events(), [
            ('CALL', 'call_bound_method_none_args', c[0], Manager, MISSING),
            ('C_RETURN', 'call_bound_method_none_args', c[0], Manager,
             MISSING),
            ('CALL', 'call_bound_method_none_args', c[1], exit_method,
             None),
        ])


class SuperTest(MonitoringTestCase):
    """``super().m(x)``: 3.12+ compile LOAD_SUPER_ATTR, which reports the
    call of ``super`` (3.12.1 and 3.13.0 agree); before 3.12 ``super()`` is
    an ordinary call.  Either way: CALL(super, MISSING or the class),
    C_RETURN, then the call of the bound method with the first argument."""

    def run_derived(self, name, *args):
        d = Derived()
        rec = self.recorder(0, CALLS, MONITORED)
        getattr(d, name)(*args)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return d, rec

    def test_zero_argument_super(self):
        d, rec = self.run_derived('greet', 1)
        c_super, c_greet = call_sites(Derived.greet, 1)
        if NATIVE:
            self.assertEqual(Layout(Derived.greet.__code__).opname_at(
                c_super), 'LOAD_SUPER_ATTR')
        self.assertEqual(rec.events(), [
            ('CALL', 'greet', c_super, super, MISSING),
            ('C_RETURN', 'greet', c_super, super, MISSING),
            ('CALL', 'greet', c_greet, Base.greet.__get__(d), 1),
        ])

    def test_two_argument_super(self):
        d, rec = self.run_derived('greet_explicit', 2)
        c_super, c_greet = call_sites(Derived.greet_explicit, 1)
        self.assertEqual(rec.events(), [
            ('CALL', 'greet_explicit', c_super, super, Derived),
            ('C_RETURN', 'greet_explicit', c_super, super, Derived),
            ('CALL', 'greet_explicit', c_greet, Base.greet.__get__(d), 2),
        ])

    def test_super_attribute_without_call(self):
        d, rec = self.run_derived('super_class')
        c_super = call_site(Derived.super_class, 1)
        self.assertEqual(rec.events(), [
            ('CALL', 'super_class', c_super, super, MISSING),
            ('C_RETURN', 'super_class', c_super, super, MISSING),
        ])


class StarArgsTest(MonitoringTestCase):

    def record(self, fn, *args):
        rec = self.recorder(0, CALLS | E.PY_START, MONITORED)
        result = fn(*args)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return rec.events(), result

    def test_star_args_python_function(self):
        got, result = self.record(call_star_python, (1, 2))
        c = call_site(call_star_python, 1)
        expected = [('PY_START', 'call_star_python', 0)]
        if not NO_CALL_FOR_PYTHON_EX:
            expected.append(('CALL', 'call_star_python', c, target, 1))
        expected.append(('PY_START', 'target', 0))
        self.assertEqual(got, expected)

    def test_empty_star_args_python_function(self):
        got, result = self.record(call_star_python, ())
        c = call_site(call_star_python, 1)
        expected = [('PY_START', 'call_star_python', 0)]
        if not NO_CALL_FOR_PYTHON_EX:
            expected.append(('CALL', 'call_star_python', c, target, MISSING))
        expected.append(('PY_START', 'target', 0))
        self.assertEqual(got, expected)

    def test_star_list_python_function(self):
        # the list is turned into a tuple before the event
        got, result = self.record(call_star_python, [3, 4])
        c = call_site(call_star_python, 1)
        expected = [('PY_START', 'call_star_python', 0)]
        if not NO_CALL_FOR_PYTHON_EX:
            expected.append(('CALL', 'call_star_python', c, target, 3))
        expected.append(('PY_START', 'target', 0))
        self.assertEqual(got, expected)

    def test_star_args_builtin(self):
        got, result = self.record(call_star_builtin, (5, 6))
        c = call_site(call_star_builtin, 1)
        self.assertEqual(got, [
            ('PY_START', 'call_star_builtin', 0),
            ('CALL', 'call_star_builtin', c, max, 5),
            ('C_RETURN', 'call_star_builtin', c, max, 5),
        ])

    def test_star_list_builtin(self):
        got, result = self.record(call_star_builtin, [7, 8])
        c = call_site(call_star_builtin, 1)
        self.assertEqual(got, [
            ('PY_START', 'call_star_builtin', 0),
            ('CALL', 'call_star_builtin', c, max, 7),
            ('C_RETURN', 'call_star_builtin', c, max, 7),
        ])

    def test_star_iterator_builtin(self):
        # the iterator is consumed into a tuple before the event, so arg0
        # is its first item
        got, result = self.record(call_star_builtin, iter((9, 10)))
        c = call_site(call_star_builtin, 1)
        self.assertEqual(result, 10)
        self.assertEqual(got, [
            ('PY_START', 'call_star_builtin', 0),
            ('CALL', 'call_star_builtin', c, max, 9),
            ('C_RETURN', 'call_star_builtin', c, max, 9),
        ])

    def test_empty_star_args_builtin(self):
        got, result = self.record(call_star_empty, ())
        c = call_site(call_star_empty, 1)
        self.assertEqual(got, [
            ('PY_START', 'call_star_empty', 0),
            ('CALL', 'call_star_empty', c, int, EMPTY_EX_ARG0),
            ('C_RETURN', 'call_star_empty', c, int, EMPTY_EX_ARG0),
        ])

    def test_positional_and_star_args(self):
        got, result = self.record(call_star_mixed, (21,))
        c = call_site(call_star_mixed, 1)
        self.assertEqual(got, [
            ('PY_START', 'call_star_mixed', 0),
            ('CALL', 'call_star_mixed', c, max, 20),
            ('C_RETURN', 'call_star_mixed', c, max, 20),
        ])

    def test_kwargs_python_function(self):
        got, result = self.record(call_kwstar_python, {'x': 'kw'})
        c = call_site(call_kwstar_python, 1)
        expected = [('PY_START', 'call_kwstar_python', 0)]
        if not NO_CALL_FOR_PYTHON_EX:
            # no positional argument: MISSING, not the keyword value
            expected.append(('CALL', 'call_kwstar_python', c, target,
                             MISSING))
        expected.append(('PY_START', 'target', 0))
        self.assertEqual(got, expected)

    def test_kwargs_builtin(self):
        got, result = self.record(call_kwstar_builtin, {'a': 1})
        c = call_site(call_kwstar_builtin, 1)
        self.assertEqual(got, [
            ('PY_START', 'call_kwstar_builtin', 0),
            ('CALL', 'call_kwstar_builtin', c, dict, EMPTY_EX_ARG0),
            ('C_RETURN', 'call_kwstar_builtin', c, dict, EMPTY_EX_ARG0),
        ])

    def test_star_args_bound_method(self):
        obj = Thing()
        got, result = self.record(call_star_bound_method, obj, (22,))
        c = call_site(call_star_bound_method, 1)
        expected = [('PY_START', 'call_star_bound_method', 0)]
        if not NO_CALL_FOR_PYTHON_EX:
            # the bound method and the first argument; no C_RETURN
            expected.append(('CALL', 'call_star_bound_method', c,
                             obj.method, 22))
        expected.append(('PY_START', 'method', 0))
        self.assertEqual(got, expected)

    def test_star_args_class(self):
        got, result = self.record(call_star_class, (23,))
        c = call_site(call_star_class, 1)
        self.assertEqual(got, [
            ('PY_START', 'call_star_class', 0),
            ('CALL', 'call_star_class', c, WithInit, 23),
            ('PY_START', '__init__', 0),
            ('C_RETURN', 'call_star_class', c, WithInit, 23),
        ])


class GeneratorCallsTest(MonitoringTestCase):

    def test_generator_expression(self):
        rec = self.recorder(0, CALLS | FRAMES, MONITORED)
        self.assertEqual(call_genexpr((1, 2)), 3)
        self.stop()
        genexpr = [c for c in call_genexpr.__code__.co_consts
                   if hasattr(c, 'co_code')][0]
        G = Layout(genexpr)
        s0 = G.suspension(0)
        c_gen, c_sum = call_sites(call_genexpr, 1)
        gen = rec.records[2].args[2]
        self.assertEqual(type(gen).__name__, 'generator')
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_genexpr', 0),
            # the <genexpr> function and the iterator of the sequence
            ('CALL', 'call_genexpr', c_gen, function_of(genexpr),
             instance_of(type(iter((1, 2))))),
            ('CALL', 'call_genexpr', c_sum, sum, gen),
            ('PY_START', '<genexpr>', G.start),
            ('PY_YIELD', '<genexpr>', s0.yield_, 1),
            ('PY_RESUME', '<genexpr>', s0.resume),
            ('PY_YIELD', '<genexpr>', s0.yield_, 2),
            ('PY_RESUME', '<genexpr>', s0.resume),
            ('PY_RETURN', '<genexpr>', G.ret, None),
            ('C_RETURN', 'call_genexpr', c_sum, sum, gen),
            ('PY_RETURN', 'call_genexpr', ret(call_genexpr), 3),
        ])

    def test_list_comprehension(self):
        rec = self.recorder(0, CALLS | FRAMES, MONITORED)
        self.assertEqual(call_listcomp((1, 2)), [1, 2])
        self.stop()
        expected = [('PY_START', 'call_listcomp', 0)]
        if COMPREHENSION_CALLS:
            comp = [c for c in call_listcomp.__code__.co_consts
                    if hasattr(c, 'co_code')][0]
            C = Layout(comp)
            expected += [
                ('CALL', 'call_listcomp', call_site(call_listcomp, 1),
                 function_of(comp), instance_of(type(iter((1, 2))))),
                ('PY_START', '<listcomp>', C.start),
                ('PY_RETURN', '<listcomp>', C.ret, [1, 2]),
            ]
        expected.append(('PY_RETURN', 'call_listcomp', ret(call_listcomp),
                         [1, 2]))
        self.assertEqual(rec.events(), expected)

    def test_next_on_a_generator(self):
        rec = self.recorder(0, CALLS | FRAMES, MONITORED)
        result = call_next()
        self.stop()
        self.assertEqual(result, (1, 2, 'exhausted'))
        c_create = call_site(call_next, 1)
        c1 = call_site(call_next, 2)
        c2 = call_site(call_next, 3)
        c_ex = call_site(call_next, 4)
        c3 = call_site(call_next_exhausted, 2)
        X_ = Layout(call_next_exhausted.__code__)
        G = Layout(two_values.__code__)
        s0, s1 = G.suspensions
        gen = rec.records[2].args[2]
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_next', 0),
            # creating the generator: a Python function, no PY_START
            ('CALL', 'call_next', c_create, two_values, MISSING),
            ('CALL', 'call_next', c1, next, gen),
            ('PY_START', 'two_values', G.start),
            ('PY_YIELD', 'two_values', s0.yield_, 1),
            ('C_RETURN', 'call_next', c1, next, gen),
            ('CALL', 'call_next', c2, next, gen),
            ('PY_RESUME', 'two_values', s0.resume),
            ('PY_YIELD', 'two_values', s1.yield_, 2),
            ('C_RETURN', 'call_next', c2, next, gen),
            ('CALL', 'call_next', c_ex, call_next_exhausted, gen),
            ('PY_START', 'call_next_exhausted', 0),
            ('CALL', 'call_next_exhausted', c3, next, gen),
            ('PY_RESUME', 'two_values', s1.resume),
            ('PY_RETURN', 'two_values', G.ret, None),
            # StopIteration out of next()
            ('C_RAISE', 'call_next_exhausted', c3, next, gen),
            ('PY_RETURN', 'call_next_exhausted',
             X_.ret_of_const('exhausted'), 'exhausted'),
            ('PY_RETURN', 'call_next', ret(call_next), result),
        ])


class RaisingCallsTest(MonitoringTestCase):

    def test_builtin_raises(self):
        rec = self.recorder(0, CALLS, MONITORED)
        self.assertEqual(call_int_fails(), 'caught')
        self.stop()
        c = call_site(call_int_fails, 2)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_int_fails', c, int, 'x'),
            ('C_RAISE', 'call_int_fails', c, int, 'x'),
        ])

    def test_c_raise_comes_before_raise_in_the_caller(self):
        rec = self.recorder(0, CALLS | E.RAISE, MONITORED)
        self.assertEqual(call_int_fails(), 'caught')
        self.stop()
        c = call_site(call_int_fails, 2)
        # RAISE offsets after a failed call differ between 3.12.1 and
        # 3.13.0 and are pinned by the exception-event tests: only the
        # order and the exception are checked here.
        got = [e[:2] + (e[3:] if e[0] == 'RAISE' else e[2:])
               for e in rec.events()]
        self.assertEqual(got, [
            ('CALL', 'call_int_fails', c, int, 'x'),
            ('C_RAISE', 'call_int_fails', c, int, 'x'),
            ('RAISE', 'call_int_fails', X(ValueError, (
                "invalid literal for int() with base 10: 'x'"))),
        ])

    def test_python_function_raises_no_c_raise(self):
        rec = self.recorder(0, CALLS | FRAMES, MONITORED)
        self.assertEqual(call_python_fails(), 'caught')
        self.stop()
        c = call_site(call_python_fails, 2)
        r = Layout(raises_key_error.__code__)
        k = call_site(raises_key_error, 1)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_python_fails', 0),
            ('CALL', 'call_python_fails', c, raises_key_error, 'k'),
            ('PY_START', 'raises_key_error', 0),
            # an exception class is not a Python function either
            ('CALL', 'raises_key_error', k, KeyError, 'k'),
            ('C_RETURN', 'raises_key_error', k, KeyError, 'k'),
            ('PY_UNWIND', 'raises_key_error', r.offsets('RAISE_VARARGS')[0],
             X(KeyError, 'k')),
            # no C_RAISE: the callee is a Python function
            ('PY_RETURN', 'call_python_fails',
             Layout(call_python_fails.__code__).ret_of_const('caught'),
             'caught'),
        ])

    def test_class_whose_init_raises(self):
        rec = self.recorder(0, CALLS | FRAMES, MONITORED)
        self.assertEqual(call_init_fails(), 'caught')
        self.stop()
        c = call_site(call_init_fails, 2)
        init = Layout(FailingInit.__init__.__code__)
        k = call_site(FailingInit.__init__, 1)
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_init_fails', 0),
            ('CALL', 'call_init_fails', c, FailingInit, MISSING),
            ('PY_START', '__init__', 0),
            ('CALL', '__init__', k, KeyError, 'init'),
            ('C_RETURN', '__init__', k, KeyError, 'init'),
            ('PY_UNWIND', '__init__', init.offsets('RAISE_VARARGS')[0],
             X(KeyError, 'init')),
            ('C_RAISE', 'call_init_fails', c, FailingInit, MISSING),
            ('PY_RETURN', 'call_init_fails',
             Layout(call_init_fails.__code__).ret_of_const('caught'),
             'caught'),
        ])


class DeliveryTest(MonitoringTestCase):

    def test_c_events_delivered_with_only_call_set(self):
        self.use_tool(0)
        rec = Recorder(0, CALLS, MONITORED).register()
        monitoring.set_events(0, E.CALL)
        call_builtins()
        call_int_fails()
        self.stop()
        c1 = call_site(call_builtins, 1)
        c2 = call_site(call_builtins, 2)
        c3 = call_site(call_int_fails, 2)
        self.assertEvents(rec, [
            ('CALL', 'call_builtins', c1, len, 'ab'),
            ('C_RETURN', 'call_builtins', c1, len, 'ab'),
            ('CALL', 'call_builtins', c2, abs, -3),
            ('C_RETURN', 'call_builtins', c2, abs, -3),
            ('CALL', 'call_int_fails', c3, int, 'x'),
            ('C_RAISE', 'call_int_fails', c3, int, 'x'),
        ])

    def test_c_events_not_delivered_without_call(self):
        self.use_tool(0)
        rec = Recorder(0, CALLS | E.PY_START, MONITORED).register()
        monitoring.set_events(0, E.PY_START)
        call_builtins()
        call_int_fails()
        self.stop()
        self.assertEvents(rec, [('PY_START', 'call_builtins', 0),
                                ('PY_START', 'call_int_fails', 0)])

    def test_call_without_c_callbacks(self):
        rec = self.recorder(0, E.CALL, MONITORED)
        call_builtins()
        self.stop()
        self.assertEvents(rec, [
            ('CALL', 'call_builtins', call_site(call_builtins, 1), len, 'ab'),
            ('CALL', 'call_builtins', call_site(call_builtins, 2), abs, -3),
        ])

    def test_local_call_events_deliver_c_events(self):
        self.use_tool(0)
        rec = Recorder(0, CALLS, MONITORED).register()
        self.set_local_events(0, call_nested.__code__, E.CALL)
        call_nested()
        call_builtins()
        call_int_fails()
        self.stop()
        c_target, c_abs = call_sites(call_nested, 1)
        # only the calls made by call_nested's own code
        self.assertEvents(rec, [
            ('CALL', 'call_nested', c_target, target, -22),
            ('CALL', 'call_nested', c_abs, abs, -22),
            ('C_RETURN', 'call_nested', c_abs, abs, -22),
        ])

    def test_local_call_events_c_raise(self):
        self.use_tool(0)
        rec = Recorder(0, CALLS, MONITORED).register()
        self.set_local_events(0, call_int_fails.__code__, E.CALL)
        call_int_fails()
        call_nested()
        self.stop()
        c = call_site(call_int_fails, 2)
        self.assertEvents(rec, [
            ('CALL', 'call_int_fails', c, int, 'x'),
            ('C_RAISE', 'call_int_fails', c, int, 'x'),
        ])

    def test_local_and_global_call_events_of_two_tools(self):
        self.use_tool(0)
        self.use_tool(1)
        rec0 = Recorder(0, CALLS, MONITORED).register()
        rec1 = Recorder(1, CALLS, MONITORED).register()
        self.set_local_events(0, call_builtins.__code__, E.CALL)
        monitoring.set_events(1, E.CALL)
        call_builtins()
        call_nested()
        self.stop()
        c1 = call_site(call_builtins, 1)
        c2 = call_site(call_builtins, 2)
        builtins_stream = [
            ('CALL', 'call_builtins', c1, len, 'ab'),
            ('C_RETURN', 'call_builtins', c1, len, 'ab'),
            ('CALL', 'call_builtins', c2, abs, -3),
            ('C_RETURN', 'call_builtins', c2, abs, -3),
        ]
        c_target, c_abs = call_sites(call_nested, 1)
        self.assertEvents(rec0, builtins_stream)
        self.assertEvents(rec1, builtins_stream + [
            ('CALL', 'call_nested', c_target, target, -22),
            ('CALL', 'call_nested', c_abs, abs, -22),
            ('C_RETURN', 'call_nested', c_abs, abs, -22),
        ])

    def test_calls_on_another_thread(self):
        rec = self.recorder(0, CALLS, MONITORED)
        run_in_thread(call_builtins)
        self.stop()
        c1 = call_site(call_builtins, 1)
        c2 = call_site(call_builtins, 2)
        self.assertEvents(rec, [
            ('CALL', 'call_builtins', c1, len, 'ab'),
            ('C_RETURN', 'call_builtins', c1, len, 'ab'),
            ('CALL', 'call_builtins', c2, abs, -3),
            ('C_RETURN', 'call_builtins', c2, abs, -3),
        ])
        self.assertEqual(len(set(r.thread for r in rec.records)), 1)
        self.assertNotEqual(rec.records[0].thread, threading.get_ident())

    def test_tools_called_highest_id_first(self):
        order = []

        def responder(tool):
            def respond(r):
                order.append((tool, r.event))
            return respond
        for tool in (1, 4, 0, 2):
            self.recorder(tool, CALLS, in_codes(call_builtins.__code__,
                                                call_int_fails.__code__),
                          respond=responder(tool))
        call_builtins()
        call_int_fails()
        self.stop()
        expected = []
        for event in ('CALL', 'C_RETURN', 'CALL', 'C_RETURN',
                      'CALL', 'C_RAISE'):
            for tool in (4, 2, 1, 0):
                expected.append((tool, event))
        self.assertEqual(order, expected)

    def test_calls_inside_callbacks_are_not_reported(self):
        seen = []

        def respond(r):
            if r.event == 'CALL':
                seen.append(call_function())
        rec = self.recorder(0, CALLS | FRAMES, MONITORED, respond=respond)
        call_builtins()
        self.stop()
        self.assertEqual(seen, [1, 1])
        self.assertEvents(rec, [
            ('PY_START', 'call_builtins', 0),
            ('CALL', 'call_builtins', call_site(call_builtins, 1), len, 'ab'),
            ('C_RETURN', 'call_builtins', call_site(call_builtins, 1), len,
             'ab'),
            ('CALL', 'call_builtins', call_site(call_builtins, 2), abs, -3),
            ('C_RETURN', 'call_builtins', call_site(call_builtins, 2), abs,
             -3),
            ('PY_RETURN', 'call_builtins', ret(call_builtins), 3),
        ])

    def test_frame_and_line_of_the_call(self):
        rec = self.recorder(0, CALLS, MONITORED)
        call_nested()
        call_int_fails()
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        lines = [(r.event, r.code.co_name, r.lineno - r.code.co_firstlineno)
                 for r in rec.records]
        self.assertEqual(lines, [
            ('CALL', 'call_nested', 1),
            ('CALL', 'call_nested', 1),
            ('C_RETURN', 'call_nested', 1),
            ('CALL', 'call_int_fails', 2),
            ('C_RAISE', 'call_int_fails', 2),
        ])
        for r in rec.records:
            self.assertIs(r.frame.f_code, r.code)

    def test_loop_and_warmed_up_code(self):
        # specialized bytecode (3.11+) still reports every call
        warm(call_in_loop)
        warm(call_method, Thing())
        obj = Thing()
        rec = self.recorder(0, CALLS, MONITORED)
        call_in_loop()
        call_method(obj)
        self.stop()
        c_range = call_site(call_in_loop, 1)
        c_abs = call_site(call_in_loop, 2)
        c_len = call_site(call_in_loop, 3)
        self.assertEvents(rec, [
            ('CALL', 'call_in_loop', c_range, range, 2),
            ('C_RETURN', 'call_in_loop', c_range, range, 2),
            ('CALL', 'call_in_loop', c_abs, abs, 0),
            ('C_RETURN', 'call_in_loop', c_abs, abs, 0),
            ('CALL', 'call_in_loop', c_abs, abs, 1),
            ('C_RETURN', 'call_in_loop', c_abs, abs, 1),
            ('CALL', 'call_in_loop', c_len, len, ()),
            ('C_RETURN', 'call_in_loop', c_len, len, ()),
            ('CALL', 'call_method', call_site(call_method, 1),
             Thing.method, obj),
        ])

    def test_warmed_up_specialized_calls(self):
        # 3.11 specializes these call sites (bound methods, keywords,
        # classes, method descriptors, builtins with one argument)
        obj = Thing()
        seq = []
        for fn, args in ((call_bound_method_variable, (obj,)),
                         (call_keywords, ()), (call_class, ()),
                         (call_method_descriptor, ([],)),
                         (call_builtins, ())):
            warm(fn, *args)
        rec = self.recorder(0, CALLS, MONITORED)
        call_bound_method_variable(obj)
        call_keywords()
        inst = call_class()
        call_method_descriptor(seq)
        call_builtins()
        self.stop()
        k1 = call_site(call_keywords, 1)
        k2 = call_site(call_keywords, 2)
        c = call_site(call_class, 1)
        d = call_site(call_method_descriptor, 1)
        b1 = call_site(call_builtins, 1)
        b2 = call_site(call_builtins, 2)
        self.assertIsInstance(inst, WithInit)
        self.assertEvents(rec, [
            ('CALL', 'call_bound_method_variable',
             call_site(call_bound_method_variable, 2), obj.method, 3),
            ('CALL', 'call_keywords', k1, target, 14),
            ('CALL', 'call_keywords', k2, dict, 16),
            ('C_RETURN', 'call_keywords', k2, dict, 16),
            ('CALL', 'call_class', c, WithInit, 9),
            ('C_RETURN', 'call_class', c, WithInit, 9),
            ('CALL', 'call_method_descriptor', d, list.append, seq),
            ('C_RETURN', 'call_method_descriptor', d, list.append, seq),
            ('CALL', 'call_builtins', b1, len, 'ab'),
            ('C_RETURN', 'call_builtins', b1, len, 'ab'),
            ('CALL', 'call_builtins', b2, abs, -3),
            ('C_RETURN', 'call_builtins', b2, abs, -3),
        ])

    def test_many_monitored_calls(self):
        rec = self.recorder(0, CALLS, in_codes(call_in_loop.__code__))
        for _ in range(50):
            call_in_loop()
        self.stop()
        self.assertEqual(len(rec.records), 50 * 8)


class CallbackRaisesTest(MonitoringTestCase):

    def test_raising_call_callback_prevents_a_c_call(self):
        def respond(r):
            if r.event == 'CALL':
                raise RuntimeError('from CALL')
        seq = []
        rec = self.recorder(0, CALLS | E.PY_UNWIND, MONITORED,
                            respond=respond)
        with self.assertRaises(RuntimeError) as cm:
            call_append(seq)
        self.stop()
        self.assertIsNone(cm.exception.__context__)
        self.assertEqual(seq, [])
        c = call_site(call_append, 1)
        self.assertEqual(
            [e for e in rec.events() if e[0] != 'PY_UNWIND'],
            [('CALL', 'call_append', c, list.append, seq)])
        self.assertEqual(rec.events('PY_UNWIND')[0][3],
                         X(RuntimeError, 'from CALL'))

    def test_raising_call_callback_prevents_a_python_call(self):
        def respond(r):
            if r.event == 'CALL':
                raise RuntimeError('from CALL')
        del side_effects[:]
        rec = self.recorder(0, CALLS | E.PY_START, MONITORED,
                            respond=respond)
        with self.assertRaises(RuntimeError):
            call_record(24)
        self.stop()
        self.assertEqual(side_effects, [])
        # record_arg never starts
        self.assertEqual(rec.events(), [
            ('PY_START', 'call_record', 0),
            ('CALL', 'call_record', call_site(call_record, 1), record_arg,
             24),
        ])

    def test_raising_c_return_callback_discards_the_result(self):
        def respond(r):
            if r.event == 'C_RETURN':
                raise RuntimeError('from C_RETURN')
        seq = []
        result = []
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        with self.assertRaises(RuntimeError) as cm:
            result.append(call_int('25'))
        self.assertIsNone(cm.exception.__context__)
        with self.assertRaises(RuntimeError):
            call_append(seq)
        self.stop()
        self.assertEqual(result, [])
        # the call itself happened
        self.assertEqual(seq, [23])
        c_int = call_site(call_int, 1)
        c_app = call_site(call_append, 1)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_int', c_int, int, '25'),
            ('C_RETURN', 'call_int', c_int, int, '25'),
            ('CALL', 'call_append', c_app, list.append, seq),
            ('C_RETURN', 'call_append', c_app, list.append, seq),
        ])

    def test_exception_from_call_callback_is_raised_at_the_call(self):
        # the monitored code's own handler catches it, and the traceback
        # points at the call's line
        def respond(r):
            if r.event == 'CALL':
                raise RuntimeError('from CALL')
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        self.assertEqual(call_guarded('29'), 'handled')
        self.stop()
        c = call_site(call_guarded, 2)
        self.assertEvents(rec, [('CALL', 'call_guarded', c, int, '29')])
        rec.clear()
        self.recorder(1, CALLS, MONITORED, respond=respond)
        exc = catch(RuntimeError, call_int, '30')
        self.stop()
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code is not call_int.__code__:
            tb = tb.tb_next
        self.assertIsNotNone(tb)
        self.assertEqual(tb.tb_lineno - call_int.__code__.co_firstlineno, 1)

    # (3.11: on call probes the exception is raised at the call, as natively
    # and on 3.8-3.10; a frame that runs traced raises it at the
    # instruction after the call, docs/differences.md)
    def test_exception_from_c_return_callback_is_raised_at_the_call(self):
        def respond(r):
            if r.event == 'C_RETURN':
                raise RuntimeError('from C_RETURN')
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        self.assertEqual(call_guarded('31'), 'handled')
        self.stop()
        c = call_site(call_guarded, 2)
        self.assertEvents(rec, [('CALL', 'call_guarded', c, int, '31'),
                                ('C_RETURN', 'call_guarded', c, int, '31')])

    def test_raising_c_raise_callback_replaces_the_exception(self):
        def respond(r):
            if r.event == 'C_RAISE':
                raise RuntimeError('from C_RAISE')
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        with self.assertRaises(RuntimeError) as cm:
            call_int('y')
        self.stop()
        self.assertIsNone(cm.exception.__context__)
        c = call_site(call_int, 1)
        self.assertEqual(rec.events(), [
            ('CALL', 'call_int', c, int, 'y'),
            ('C_RAISE', 'call_int', c, int, 'y'),
        ])


def disabling(predicate):
    """A ``respond`` returning DISABLE for the CALL records that match
    ``predicate``; ``respond.disabled`` keeps those records."""
    def respond(r):
        if r.event == 'CALL' and predicate(r):
            respond.disabled.append(r)
            return DISABLE
        return None
    respond.disabled = []
    return respond


def records_without_c_event_of_disabled_calls(records, disabled):
    """``records`` without the C_RETURN/C_RAISE that directly follows a
    CALL whose callback returned DISABLE (one of the records ``disabled``).

    Whether that one call still gets its C event is an artefact of CPython
    3.12/3.13 internals, not a rule.  Measured on both: with only global
    events of one tool it is delivered, unless the code object was ever
    instrumented for several tools at once (even in an earlier test); with
    local events, or another tool on the location, it is not.  So the same
    test would give different results depending on which tests ran
    before.  Every other event around a DISABLE is exact."""
    out = []
    previous = None
    for r in records:
        if (previous is not None and any(previous is d for d in disabled)
                and r.event in ('C_RETURN', 'C_RAISE')
                and r.code is previous.code
                and r.args[0] == previous.args[0]):
            previous = r
            continue
        out.append(r)
        previous = r
    return out


def skip_c_event_of_disabled_calls(rec, disabled):
    """``rec.events()`` without those C events (see above)."""
    kept = set(id(r) for r in records_without_c_event_of_disabled_calls(
        rec.records, disabled))
    return [e for r, e in zip(rec.records, rec.events()) if id(r) in kept]


class DisableTest(MonitoringTestCase):

    def test_disable_from_call_disables_that_location(self):
        respond = disabling(lambda r: r.args[1] is abs
                            and r.code is call_in_loop.__code__)
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        call_in_loop()
        call_in_loop()
        call_nested()
        self.stop()
        c_range = call_site(call_in_loop, 1)
        c_abs = call_site(call_in_loop, 2)
        c_len = call_site(call_in_loop, 3)
        c_target, c_nabs = call_sites(call_nested, 1)
        first = [
            ('CALL', 'call_in_loop', c_range, range, 2),
            ('C_RETURN', 'call_in_loop', c_range, range, 2),
            ('CALL', 'call_in_loop', c_abs, abs, 0),
            # DISABLE: the second iteration gives nothing at that location
            ('CALL', 'call_in_loop', c_len, len, ()),
            ('C_RETURN', 'call_in_loop', c_len, len, ()),
        ]
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(len(respond.disabled), 1)
        self.assertEqual(skip_c_event_of_disabled_calls(rec, respond.disabled),
                         first + [
            ('CALL', 'call_in_loop', c_range, range, 2),
            ('C_RETURN', 'call_in_loop', c_range, range, 2),
            ('CALL', 'call_in_loop', c_len, len, ()),
            ('C_RETURN', 'call_in_loop', c_len, len, ()),
            # another location calling abs
            ('CALL', 'call_nested', c_target, target, -22),
            ('CALL', 'call_nested', c_nabs, abs, -22),
            ('C_RETURN', 'call_nested', c_nabs, abs, -22),
        ])
        # restart_events brings the location back
        rec.clear()
        del respond.disabled[:]
        monitoring.restart_events()
        monitoring.set_events(0, E.CALL)
        call_in_loop()
        self.stop()
        self.assertEqual(len(respond.disabled), 1)
        self.assertEqual(skip_c_event_of_disabled_calls(rec, respond.disabled),
                         first)

    def test_disable_from_call_without_c_callbacks(self):
        # the CALL side of DISABLE alone
        respond = disabling(lambda r: r.code is call_in_loop.__code__
                            and r.args[1] is not len)
        rec = self.recorder(0, E.CALL, MONITORED, respond=respond)
        call_in_loop()
        call_in_loop()
        call_nested()
        self.stop()
        c_len = call_site(call_in_loop, 3)
        c_target, c_abs = call_sites(call_nested, 1)
        self.assertEvents(rec, [
            ('CALL', 'call_in_loop', call_site(call_in_loop, 1), range, 2),
            ('CALL', 'call_in_loop', call_site(call_in_loop, 2), abs, 0),
            ('CALL', 'call_in_loop', c_len, len, ()),
            ('CALL', 'call_in_loop', c_len, len, ()),
            ('CALL', 'call_nested', c_target, target, -22),
            ('CALL', 'call_nested', c_abs, abs, -22),
        ])

    def test_disable_from_call_of_a_python_function(self):
        respond = disabling(lambda r: True)
        rec = self.recorder(0, CALLS | E.PY_START, MONITORED, respond=respond)
        call_function()
        call_function()
        self.stop()
        # the callee's own events are not affected
        self.assertEvents(rec, [
            ('PY_START', 'call_function', 0),
            ('CALL', 'call_function', call_site(call_function, 1), target, 1),
            ('PY_START', 'target', 0),
            ('PY_START', 'call_function', 0),
            ('PY_START', 'target', 0),
        ])

    def test_disable_from_call_only_for_that_tool(self):
        respond = disabling(lambda r: True)
        rec0 = self.recorder(0, CALLS, MONITORED, respond=respond)
        rec1 = self.recorder(1, CALLS, MONITORED)
        call_builtins()
        call_builtins()
        self.stop()
        c1 = call_site(call_builtins, 1)
        c2 = call_site(call_builtins, 2)
        stream = [
            ('CALL', 'call_builtins', c1, len, 'ab'),
            ('C_RETURN', 'call_builtins', c1, len, 'ab'),
            ('CALL', 'call_builtins', c2, abs, -3),
            ('C_RETURN', 'call_builtins', c2, abs, -3),
        ]
        self.assertEqual(skip_c_event_of_disabled_calls(rec0, respond.disabled),
                         [stream[0], stream[2]])
        self.assertEvents(rec1, stream * 2)

    def test_disable_local_call_event(self):
        respond = disabling(lambda r: True)
        self.use_tool(0)
        rec = Recorder(0, CALLS, MONITORED, respond=respond).register()
        self.set_local_events(0, call_builtins.__code__, E.CALL)
        call_builtins()
        call_builtins()
        self.assertEqual(monitoring.get_local_events(
            0, call_builtins.__code__), E.CALL)
        self.stop()
        self.assertEqual(skip_c_event_of_disabled_calls(rec, respond.disabled),
                         [
            ('CALL', 'call_builtins', call_site(call_builtins, 1), len, 'ab'),
            ('CALL', 'call_builtins', call_site(call_builtins, 2), abs, -3),
        ])

    def test_disable_from_call_of_a_failing_call(self):
        respond = disabling(lambda r: True)
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        call_int_fails()
        call_int_fails()
        self.stop()
        c = call_site(call_int_fails, 2)
        self.assertEqual(skip_c_event_of_disabled_calls(rec, respond.disabled),
                         [('CALL', 'call_int_fails', c, int, 'x')])

    def test_disable_from_c_return_raises_and_unregisters(self):
        def respond(r):
            if r.event == 'C_RETURN':
                return DISABLE
        seq = []
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        with self.assertRaises(ValueError) as cm:
            call_append(seq)
        self.assertEqual(str(cm.exception),
                         'Cannot disable C_RETURN events. Callback removed.')
        self.assertIsNone(cm.exception.__context__)
        self.assertIsNone(monitoring.register_callback(0, E.C_RETURN, None))
        call_append(seq)
        self.stop()
        self.assertEqual(seq, [23, 23])
        c = call_site(call_append, 1)
        self.assertEvents(rec, [
            ('CALL', 'call_append', c, list.append, seq),
            ('C_RETURN', 'call_append', c, list.append, seq),
            ('CALL', 'call_append', c, list.append, seq),
        ])

    def test_disable_from_c_raise_raises_and_unregisters(self):
        def respond(r):
            if r.event == 'C_RAISE':
                return DISABLE
        rec = self.recorder(0, CALLS, MONITORED, respond=respond)
        with self.assertRaises(ValueError) as cm:
            call_int('z')
        self.assertEqual(str(cm.exception),
                         'Cannot disable C_RAISE events. Callback removed.')
        self.assertIsNone(cm.exception.__context__)
        self.assertIsNone(monitoring.register_callback(0, E.C_RAISE, None))
        with self.assertRaises(ValueError) as cm:
            call_int('z')
        self.stop()
        self.assertEqual(str(cm.exception),
                         "invalid literal for int() with base 10: 'z'")
        c = call_site(call_int, 1)
        self.assertEvents(rec, [
            ('CALL', 'call_int', c, int, 'z'),
            ('C_RAISE', 'call_int', c, int, 'z'),
            ('CALL', 'call_int', c, int, 'z'),
        ])


C_EVENTS_SOURCE = """
def calls():
    len("ab")
    try:
        int("x")
    except ValueError:
        pass
"""


def fresh_calls():
    """A function with a code object of its own (the per-code state a
    test builds up stays with it)."""
    namespace = {}
    exec(compile(C_EVENTS_SOURCE, __file__ + "-c-events", "exec"),
         namespace)
    return namespace["calls"]


class CEventsAfterDisableTest(MonitoringTestCase):
    """C_RETURN/C_RAISE of a call whose CALL callback returned DISABLE.

    3.12+ find the C events' tools in the code's per-instruction tool
    table, which exists once two tools had one event of the code at the
    same time (and stays): there DISABLE took the tool out, so it gets no
    C event.  Without that table they are the code's CALL tools: the call
    whose CALL returned DISABLE still gets its C_RETURN/C_RAISE, and the
    later calls there nothing (the location is no longer instrumented)."""

    def record(self, f, tool, disable, runs=2):
        log = []

        def cb(name):
            def callback(code, offset, func, arg0):
                if code is f.__code__:
                    log.append((tool, name, func.__name__))
                    if disable and name == 'CALL':
                        return DISABLE
            return callback
        self.use_tool(tool)
        for name in ('CALL', 'C_RETURN', 'C_RAISE'):
            monitoring.register_callback(tool, getattr(E, name), cb(name))
        return log

    def test_one_tool(self):
        f = fresh_calls()
        log = self.record(f, 0, disable=True)
        monitoring.set_events(0, CALLS)
        f()
        f()
        self.stop()
        self.assertEqual(log, [
            (0, 'CALL', 'len'), (0, 'C_RETURN', 'len'),
            (0, 'CALL', 'int'), (0, 'C_RAISE', 'int')])

    def test_two_tools(self):
        f = fresh_calls()
        log = self.record(f, 0, disable=True)
        log2 = self.record(f, 1, disable=False)
        monitoring.set_events(0, CALLS)
        monitoring.set_events(1, CALLS)
        f()
        self.stop()
        self.assertEqual(log, [(0, 'CALL', 'len'), (0, 'CALL', 'int')])
        self.assertEqual(log2, [
            (1, 'CALL', 'len'), (1, 'C_RETURN', 'len'),
            (1, 'CALL', 'int'), (1, 'C_RAISE', 'int')])

    def test_two_tools_before(self):
        # the per-instruction table, once made, stays: one tool later
        # gets no C event after its DISABLE either
        f = fresh_calls()
        self.record(f, 1, disable=False)
        monitoring.set_events(1, E.CALL)
        log = self.record(f, 0, disable=True)
        monitoring.set_events(0, CALLS)
        f()
        monitoring.set_events(1, 0)
        monitoring.restart_events()
        del log[:]
        f()
        self.stop()
        self.assertEqual(log, [(0, 'CALL', 'len'), (0, 'CALL', 'int')])

    def test_two_tools_on_other_events(self):
        # two tools, but never two on one event: no table
        f = fresh_calls()
        log = self.record(f, 0, disable=True)
        self.use_tool(1)
        monitoring.register_callback(1, E.LINE, lambda code, line: None)
        monitoring.set_events(1, E.LINE)
        monitoring.set_events(0, CALLS)
        f()
        self.stop()
        self.assertEqual(log, [
            (0, 'CALL', 'len'), (0, 'C_RETURN', 'len'),
            (0, 'CALL', 'int'), (0, 'C_RAISE', 'int')])


class CallStateTest(MonitoringTestCase):
    """Pending calls across frames: calls inside generators, recursion,
    C calls running Python code that makes C calls."""

    def test_calls_inside_a_generator(self):
        rec = self.recorder(0, CALLS | E.PY_YIELD | E.PY_RESUME, MONITORED)
        self.assertEqual(call_gen_with_calls(), [1, 1])
        self.stop()
        G = Layout(gen_with_calls.__code__)
        s0, s1 = G.suspensions
        c_create, c_list = call_sites(call_gen_with_calls, 1)
        c_len = call_site(gen_with_calls, 1)
        c_abs = call_site(gen_with_calls, 2)
        gen = rec.records[1].args[2]
        self.assertEqual(type(gen).__name__, 'generator')
        self.assertEvents(rec, [
            ('CALL', 'call_gen_with_calls', c_create, gen_with_calls,
             MISSING),
            ('CALL', 'call_gen_with_calls', c_list, list, gen),
            ('CALL', 'gen_with_calls', c_len, len, 'a'),
            ('C_RETURN', 'gen_with_calls', c_len, len, 'a'),
            ('PY_YIELD', 'gen_with_calls', s0.yield_, 1),
            ('PY_RESUME', 'gen_with_calls', s0.resume),
            ('CALL', 'gen_with_calls', c_abs, abs, -1),
            ('C_RETURN', 'gen_with_calls', c_abs, abs, -1),
            ('PY_YIELD', 'gen_with_calls', s1.yield_, 1),
            ('PY_RESUME', 'gen_with_calls', s1.resume),
            ('C_RETURN', 'call_gen_with_calls', c_list, list, gen),
        ])

    def test_recursion(self):
        rec = self.recorder(0, CALLS, MONITORED)
        self.assertEqual(recursive_calls(2), 0)
        self.stop()
        # abs(recursive_calls(n - 1)): the inner call comes first
        c_rec, c_abs = call_sites(recursive_calls, 2)
        c_len = call_site(recursive_calls, 3)
        self.assertEvents(rec, [
            ('CALL', 'recursive_calls', c_rec, recursive_calls, 1),
            ('CALL', 'recursive_calls', c_rec, recursive_calls, 0),
            ('CALL', 'recursive_calls', c_len, len, ''),
            ('C_RETURN', 'recursive_calls', c_len, len, ''),
            ('CALL', 'recursive_calls', c_abs, abs, 0),
            ('C_RETURN', 'recursive_calls', c_abs, abs, 0),
            ('CALL', 'recursive_calls', c_abs, abs, 0),
            ('C_RETURN', 'recursive_calls', c_abs, abs, 0),
        ])

    def test_c_call_running_python_that_makes_c_calls(self):
        del side_effects[:]
        rec = self.recorder(0, CALLS | E.PY_START | E.PY_RETURN, MONITORED)
        self.assertEqual(call_map_nested(), [27])
        self.stop()
        c_map, c_list = call_sites(call_map_nested, 1)
        c_append = call_site(record_arg, 1)
        m = instance_of(map)
        self.assertEvents(rec, [
            ('PY_START', 'call_map_nested', 0),
            ('CALL', 'call_map_nested', c_map, map, record_arg),
            ('C_RETURN', 'call_map_nested', c_map, map, record_arg),
            ('CALL', 'call_map_nested', c_list, list, m),
            ('PY_START', 'record_arg', 0),
            ('CALL', 'record_arg', c_append, list.append, side_effects),
            ('C_RETURN', 'record_arg', c_append, list.append, side_effects),
            ('PY_RETURN', 'record_arg', ret(record_arg), 27),
            ('C_RETURN', 'call_map_nested', c_list, list, m),
            ('PY_RETURN', 'call_map_nested', ret(call_map_nested), [27]),
        ])

    def test_exception_handled_inside_a_c_call(self):
        # the property raises, hasattr catches it: C_RETURN, not C_RAISE
        obj = Flaky()
        rec = self.recorder(0, CALLS | FRAMES, MONITORED)
        self.assertIs(call_hasattr(obj), False)
        self.stop()
        c = call_site(call_hasattr, 1)
        k = call_site(Flaky.bad.fget, 2)
        B = Layout(Flaky.bad.fget.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'call_hasattr', 0),
            ('CALL', 'call_hasattr', c, hasattr, obj),
            ('PY_START', 'bad', 0),
            ('CALL', 'bad', k, AttributeError, 'bad'),
            ('C_RETURN', 'bad', k, AttributeError, 'bad'),
            ('PY_UNWIND', 'bad', B.offsets('RAISE_VARARGS')[0],
             X(AttributeError, 'bad')),
            ('C_RETURN', 'call_hasattr', c, hasattr, obj),
            ('PY_RETURN', 'call_hasattr', ret(call_hasattr), False),
        ])

    def test_generator_methods(self):
        rec = self.recorder(0, CALLS | E.PY_START | E.PY_YIELD | E.PY_THROW,
                            MONITORED)
        self.assertEqual(call_generator_methods(), 2)
        self.stop()
        G = Layout(catching_gen.__code__)
        s0, s1 = G.suspension(2), G.suspension(4)
        c_create = call_site(call_generator_methods, 1)
        c_next = call_site(call_generator_methods, 2)
        c_exc, c_throw = call_sites(call_generator_methods, 3)
        c_close = call_site(call_generator_methods, 4)
        gen = rec.records[2].args[2]
        self.assertEqual(type(gen).__name__, 'generator')
        gen_type = type(gen)
        self.assertEvents(rec, [
            ('PY_START', 'call_generator_methods', 0),
            ('CALL', 'call_generator_methods', c_create, catching_gen,
             MISSING),
            ('CALL', 'call_generator_methods', c_next, next, gen),
            ('PY_START', 'catching_gen', G.start),
            ('PY_YIELD', 'catching_gen', s0.yield_, 1),
            ('C_RETURN', 'call_generator_methods', c_next, next, gen),
            ('CALL', 'call_generator_methods', c_exc, KeyError, 'k'),
            ('C_RETURN', 'call_generator_methods', c_exc, KeyError, 'k'),
            # method descriptors of the generator type, and the generator
            ('CALL', 'call_generator_methods', c_throw, gen_type.throw, gen),
            ('PY_THROW', 'catching_gen', s0.throw, X(KeyError, 'k')),
            ('PY_YIELD', 'catching_gen', s1.yield_, 2),
            ('C_RETURN', 'call_generator_methods', c_throw, gen_type.throw,
             gen),
            ('CALL', 'call_generator_methods', c_close, gen_type.close, gen),
            ('PY_THROW', 'catching_gen', s1.throw, X(GeneratorExit)),
            ('C_RETURN', 'call_generator_methods', c_close, gen_type.close,
             gen),
        ])

    def test_calls_after_a_failed_call(self):
        rec = self.recorder(0, CALLS, MONITORED)
        self.assertEqual(call_after_failure(), 5)
        self.stop()
        c_int = call_site(call_after_failure, 2)
        c_abs = call_site(call_after_failure, 4)
        self.assertEvents(rec, [
            ('CALL', 'call_after_failure', c_int, int, 'x'),
            ('C_RAISE', 'call_after_failure', c_int, int, 'x'),
            ('CALL', 'call_after_failure', c_abs, abs, -5),
            ('C_RETURN', 'call_after_failure', c_abs, abs, -5),
        ])

    def test_call_instruction_with_extended_arg(self):
        L = Layout(call_with_extended_arg.__code__)
        c = call_site(call_with_extended_arg, 1)
        # the offset is the call instruction itself, not its prefix
        if PY < (3, 10):
            self.assertIn('EXTENDED_ARG',
                          [i.opname for i in L.instructions])
            self.assertEqual(L.opname_at(c), 'CALL_FUNCTION')
        else:
            self.assertEqual(L.opname_at(c), 'CALL_FUNCTION_EX')
        rec = self.recorder(0, CALLS, MONITORED)
        call_with_extended_arg()
        self.stop()
        self.assertEvents(rec, [
            ('CALL', 'call_with_extended_arg', c, max, 0),
            ('C_RETURN', 'call_with_extended_arg', c, max, 0),
        ])


class TimingTest(MonitoringTestCase):

    def test_set_events_inside_a_running_function(self):
        # contract 7: the calls after set_events in the same frame are
        # reported; set_events itself gets neither CALL nor C_RETURN
        self.use_tool(0)
        rec = Recorder(0, CALLS, MONITORED).register()
        enables_calls(0)
        self.stop()
        self.assertEvents(rec, [
            ('CALL', 'enables_calls', call_site(enables_calls, 2), len,
             'on'),
            ('C_RETURN', 'enables_calls', call_site(enables_calls, 2), len,
             'on'),
        ])

    def test_events_cleared_inside_a_running_function(self):
        # the call of set_events(0, 0) gets its CALL but no C_RETURN
        rec = self.recorder(0, CALLS, MONITORED)
        disables_calls(0)
        c1 = call_site(disables_calls, 1)
        c2 = call_site(disables_calls, 2)
        self.assertEvents(rec, [
            ('CALL', 'disables_calls', c1, len, 'still'),
            ('C_RETURN', 'disables_calls', c1, len, 'still'),
            ('CALL', 'disables_calls', c2, monitoring.set_events, 0),
        ])


class OffsetTest(MonitoringTestCase):

    def test_offsets_are_call_instructions(self):
        # the rule call_sites relies on, per version
        L = Layout(call_method.__code__)
        c = call_site(call_method, 1)
        if PY >= (3, 12):
            self.assertEqual(L.opname_at(c), 'CALL')
        elif PY == (3, 11):
            # PRECALL, then CALL (with inline caches in between)
            self.assertEqual(L.opname_at(c), 'CALL')
            self.assertIn('PRECALL', [i.opname for i in L.instructions
                                      if i.offset < c])
        else:
            self.assertEqual(L.opname_at(c), 'CALL_METHOD')
        k = call_site(call_positional_and_keyword, 1)
        kw_op = {(3, 13): 'CALL_KW', (3, 12): 'CALL', (3, 11): 'CALL'}
        self.assertEqual(Layout(call_positional_and_keyword.__code__)
                         .opname_at(k), kw_op.get(PY, 'CALL_FUNCTION_KW'))


TEST_CODES = frozenset(
    member.__code__
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, unittest.TestCase)
    for member in vars(cls).values() if hasattr(member, '__code__'))


if __name__ == '__main__':
    unittest.main()
