# Code that raises: exceptions propagating through frames, an exception in
# the middle of a multi-line expression, and an uncaught exception that
# ends the module.


def level3(x):
    if x > 1:
        raise ValueError("too big: %d" % x)
    return x


def level2(x):
    y = level3(x)
    return y + 1


def level1(x):
    try:
        return level2(x)
    except ValueError:
        return -1


def mid_expression(d):
    return (d["a"] +
            d["b"] +
            d["c"])


print(level1(1), level1(5))
try:
    mid_expression({"a": 1, "b": 2})
except KeyError as e:
    print("missing", e)

state = "before"
level2(7)
state = "after (never)"
