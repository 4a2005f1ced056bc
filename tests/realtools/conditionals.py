# if/elif/else chains, conditional expressions, short-circuit operators,
# assert, while with a compound condition.


def grade(score):
    if score >= 90:
        return "A"
    elif score >= 80:
        return "B"
    elif score >= 70:
        return "C"
    else:
        return "F"


def shortcut(a, b):
    if a and b:
        return "both"
    if a or b:
        return "one"
    return "none"


def ternary(x):
    return "pos" if x > 0 else ("zero" if x == 0 else "neg")


def checked(x):
    assert x >= 0, "negative"
    return x


def compound(a, b):
    n = 0
    while a > 0 and b > 0:
        a -= 1
        b -= 2
        n += 1
    return n


def if_no_else(x):
    r = 0
    if x:
        r = 1
    return r


print([grade(s) for s in (95, 85, 50)])
print(shortcut(1, 1), shortcut(0, 1), shortcut(0, 0))
print(ternary(1), ternary(0), ternary(-1), checked(3), compound(5, 6))
print(if_no_else(True))
