# Nested functions, closures, early returns, lambdas, decorators, recursion.
import functools


def outer(k):
    def inner(v):
        if v > k:
            return v - k
        return 0
    return inner


def early(x):
    if x is None:
        return "none"
    if not x:
        return "falsy"
    return "truthy"


def decorator(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        return result
    return wrapper


@decorator
def decorated(a, b=2):
    return a + b


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


double = lambda v: v * 2
pick = lambda v: (v
                  if v > 0
                  else -v)
never_called = lambda: "never"

print(outer(3)(5), outer(3)(1), early(None), early(0), early(1))
print(decorated(1), fact(5), fib(8), double(4), pick(-3), pick(3))
print(sorted([3, 1, 2], key=lambda v: -v))
