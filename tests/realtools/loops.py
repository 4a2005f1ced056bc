# Loops: for/while with break, continue and else; nested loops; empty loops.


def for_break_continue(items):
    total = 0
    for x in items:
        if x < 0:
            continue
        if x > 100:
            break
        total += x
    else:
        total = -total
    return total


def while_else(n):
    i = 0
    while i < n:
        i += 1
        if i == 50:
            break
    else:
        return "exhausted"
    return "broke"


def nested(rows):
    found = None
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v == "x":
                found = (r, c)
                break
        else:
            continue
        break
    return found


def never_entered():
    for _ in []:
        print("never")
    while False:
        print("never either")
    return "done"


def countdown(n):
    while n:
        n -= 1
    return n


def one_line_loops():
    acc = []
    for i in range(3): acc.append(i)
    while len(acc) < 6: acc.append(0)
    return acc


print(for_break_continue([1, -2, 3]), for_break_continue([1, 200, 3]))
print(while_else(10), while_else(60))
print(nested([["a", "b"], ["c", "x"]]), nested([["a"]]))
print(never_entered(), countdown(5), one_line_loops())
