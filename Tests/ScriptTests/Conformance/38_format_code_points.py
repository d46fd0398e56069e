# Widths count code points, as len() does: a letter with a combining mark is two.
s = "ε̂x"
print(len(s), list(s))
print(f"[{s:>6}]", f"[{s:<6}]", f"[{s:^7}]", f"[{s:*>6}]")
print("[" + s.ljust(6) + "]", "[" + s.rjust(6) + "]", "[" + s.center(7) + "]")
print("[%6s]" % s, "[%-6s]" % s)
print(f"{'mean (ε̂ − ε)²':>16}|")
