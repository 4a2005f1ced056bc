# try/except/else/finally, re-raise, raise from, return through finally.


def classify(x):
    try:
        r = 10 // x
    except ZeroDivisionError:
        return "zero"
    except TypeError as e:
        r = str(e)[:5]
    else:
        r = r + 1
    finally:
        x = None
    return r


def reraise(x):
    try:
        try:
            if x:
                raise ValueError(x)
            return "quiet"
        except ValueError:
            raise
        finally:
            x = "cleanup"
    except ValueError as exc:
        return "outer %s" % exc


def chained():
    try:
        {}["missing"]
    except KeyError as e:
        try:
            raise RuntimeError("wrapped") from e
        except RuntimeError as r:
            return type(r.__cause__).__name__


def finally_return(flag):
    try:
        if flag:
            return "early"
        value = "late"
    finally:
        note = "finally ran"
    return value


def in_loop(values):
    out = []
    for v in values:
        try:
            out.append(int(v))
        except ValueError:
            continue
        finally:
            out.append("|")
    return out


def unused_handler():
    try:
        a = 1
    except Exception:
        a = 2
    return a


print(classify(5), classify(0), classify("s"))
print(reraise(0), reraise(3), chained())
print(finally_return(True), finally_return(False))
print(in_loop(["1", "x", "2"]), unused_handler())
