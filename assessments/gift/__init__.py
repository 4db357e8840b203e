"""GIFT (Moodle's plain-text quiz format): parse into question specs, and write back.

Pure: no database. `parse_gift(text)` returns the questions it could read and a
line-numbered error for every block it could not; the service decides what to
write. Supported (see docs/assessments.md for examples):

- questions separated by blank lines; `::title::`; `[markdown]`/`[plain]`/`[html]`/
  `[moodle]` text formats; `\\` escapes for ~ = # { } : > and `\\n` (and `\\%` for an
  answer that starts with a percent sign);
- `$CATEGORY: path` (a `$course$/` or `top/` prefix is dropped);
- `//` comments: kept as author notes; `// [tag:skill-slug]` tags a skill,
  `// [points:2]` sets the points (default 1), `// [type:multiple]` makes a question
  with one fully right choice multiple response (Trellis extensions); `// [id:…]` is ignored;
- single choice `{=right ~wrong}` with `~%50%partial` weights; missing-word form
  (text after the answer block);
- multiple response `{~%50%a ~%50%b ~%-100%c}`: a choice without a weight counts
  −100 / number of right choices (Moodle counts 0; we do not let "tick everything" pay);
- true/false `{T}` `{FALSE#feedback if wrong#feedback if right}`;
- short answer `{=a =%50%b}`: case-insensitive; `*` is a wildcard; `=/regex/` is a
  regular expression (Trellis extension);
- matching `{=prompt -> match ...}`; `= -> extra` adds a distractor;
- numeric `{#3.14:0.01}`, `{#1..5}`, `{# =3.14:0 =%50%3.1:0.1}`;
- per-answer `#feedback`, general feedback `####text`;
- ordering (Trellis extension) `{>first >second >third}`, items in the right order.

- essay `{}` (or `{####general feedback}`), scored by a reviewer with the default rubric;
- description: a block without an answer block, imported as a text block (not scored).

Not supported, reported as errors: several answer blocks in one question.
"""

from ._common import GiftError, GiftResult, ParsedQuestion
from .reader import parse_gift
from .writer import dump_question, escape

__all__ = [
    "GiftError",
    "GiftResult",
    "ParsedQuestion",
    "dump_question",
    "escape",
    "parse_gift",
]
