def risky(kind):
    if kind == 0:
        return "fine"
    if kind == 1:
        raise ValueError("one")
    if kind == 2:
        raise KeyError(2)
    return [][kind]

for k in range(4):
    try:
        result = risky(k)
    except ValueError as e:
        print("value", e)
    except (KeyError, IndexError) as e:
        print("lookup", type(e).__name__, e)
    else:
        print("ok", result)
    finally:
        print("done", k)

def nested():
    try:
        raise TypeError("original")
    except TypeError:
        try:
            raise ValueError("second")
        except ValueError as inner:
            return type(inner.__context__).__name__
print(nested())

try:
    raise Exception("a", "b")
except Exception as e:
    print(e, e.args)
try:
    raise BaseException("base")
except Exception:
    print("wrong")
except BaseException as e:
    print("base caught", e)
try:
    {}["missing"]
except KeyError as e:
    print(str(e), repr(e), e.args)
e = ValueError("made")
print(e, repr(e), type(e), isinstance(e, Exception))
def loop_break():
    for i in range(5):
        try:
            if i == 2:
                break
        finally:
            print("fin", i)
    return i
print(loop_break())
try:
    raise ZeroDivisionError
except ArithmeticError as err:
    print("arith", repr(err))
try:
    int("12a")
except ValueError as err:
    print(err)
try:
    raise StopIteration
except StopIteration:
    print("stopped")
