# The same code object running in several frames at once: recursion,
# mutual recursion and a recursive generator.


def walk(tree, depth=0):
    if isinstance(tree, list):
        total = 0
        for sub in tree:
            total += walk(sub, depth + 1)
        return total
    return tree


def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


def flatten(tree):
    if isinstance(tree, list):
        for sub in tree:
            yield from flatten(sub)
    else:
        yield tree


print(walk([1, [2, [3, 4]], 5]), is_even(6), is_odd(3), list(flatten([1, [2, [3]]])))
