# MarkupSafe 2.1.5 with its C speedups (`markupsafe._speedups`, a real cp311 wheel from
# PyPI). Run under CPython 3.11 and DX-Py from the same venv; the outputs must match.
import re

import markupsafe
from markupsafe import _speedups as speedups

print("speedups active:", markupsafe.escape is speedups.escape)


class Html:
    def __html__(self):
        return "<i>html</i>"


class Plain:
    pass


values = ["<a href='x'>&\"</a>", "plain", "", "日本<>&", "🐍<", "a" * 1000 + "<", 5, 2.5, None, markupsafe.Markup("<b>"), Html(), Plain()]
for v in values:
    row = [repr(speedups.escape(v)), repr(speedups.escape_silent(v)), repr(speedups.soft_str(v))]
    print(re.sub(r"0x[0-9a-f]+", "0x…", " | ".join(row)))
print(markupsafe.Markup("<em>%s</em>") % "<x>")
print(markupsafe.Markup("{0}|{0}").format("&"))
print(markupsafe.Markup("<p>").join(["<1>", markupsafe.Markup("<2>")]))
print(markupsafe.Markup("&lt;b&gt; &amp; &#34;").unescape(), markupsafe.Markup("<b>x</b> y").striptags())
