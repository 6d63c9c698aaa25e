"""The closed inventory of written Vietnamese syllables, generated from the orthography.

A syllable is an onset, a rhyme and a tone. Onsets and rhymes are listed below; spelling rules
(k/gh/ngh before front vowels, c/g/ng elsewhere, qu and gi taking the medial letter, y-rhymes
only without an onset or after qu) and the tone rule (a rhyme closed by c, ch, p or t takes only
the acute or the dot below) prune the product. Tones go on the vowel the current rules name,
and also where the older convention put them for oa, oe and uy ("hoà", "thuỷ"), since both
are printed. The result over-generates a little (rare loan spellings), which only makes the
corrector more cautious; the test suite checks it against words we know.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

ONSETS = ("", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng",
          "ngh", "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x")
RHYMES = tuple("""
a ai ao au ay ac ach am an ang anh ap at
ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
e ec em en eng eo ep et ê êch êm ên êng ênh êp êt êu
i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
y yêm yên yêt yêu
o oc oi om on ong op ot oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
oe oen oeo oet ooc oong
ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
u uc ui um un ung up ut ua uân uâng uât uây uê uêch uênh uơ uy uya uych uyên uyêt uynh uyt uyu
uôc uôi uôm uôn uông uôt
ư ưc ưi ưm ưn ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu
""".split())
# grave, acute, hook above, tilde, dot below
TONE_MARKS = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
VOWELS = set("aăâeêioôơuưy")
MARKED = set("ăâêôơư")
STOPS = ("c", "ch", "p", "t")
FRONT = ("i", "y", "e", "ê")


def _spelling_ok(onset: str, rhyme: str) -> bool:
    first = rhyme[0]
    front = first in FRONT
    if onset in ("k", "gh", "ngh"):
        return front
    if onset in ("c", "g", "ng") and front:
        return False
    if onset == "qu":
        return first not in "uoưô" or rhyme.startswith("ô")  # quốc
    if onset == "gi":
        return first != "i"  # "gi" + i is written "gi" (handled apart)
    if first == "y" and len(rhyme) > 1:
        return onset == ""  # yên, yêu: no onset (after qu/medial u they are uyên, ...)
    return True


def _tone_index(rhyme: str, old_style: bool) -> int:
    cluster = 0
    while cluster < len(rhyme) and rhyme[cluster] in VOWELS:
        cluster += 1
    marked = [i for i in range(cluster) if rhyme[i] in MARKED]
    if marked:
        return marked[-1]
    if cluster < len(rhyme) or cluster == 1:
        return cluster - 1
    if cluster == 3:
        return 1
    if old_style and rhyme in ("oa", "oe", "uy"):
        return 1
    return 0


def _with_tone(syllable: str, index: int, mark: str) -> str:
    return unicodedata.normalize("NFC", syllable[:index + 1] + mark + syllable[index + 1:])


@lru_cache(maxsize=1)
def inventory() -> frozenset[str]:
    """Every valid lower-case syllable, NFC, with and without tones."""
    out: set[str] = set()
    for onset in ONSETS:
        pairs = [(onset, r) for r in RHYMES if _spelling_ok(onset, r)]
        if onset == "gi":
            # gi + a rhyme in i is written with one i: gì, gìn, gịt
            pairs += [("g", r) for r in RHYMES if r.startswith("i") and not r.startswith("iê")]
        if onset == "qu":
            pairs += [("qu", r) for r in ("ynh", "yt", "ych")]  # quỳnh, quýt, quých
        for on, rhyme in pairs:
            base = on + rhyme
            out.add(base)
            closed = rhyme.endswith(STOPS)
            for old in (False, True):
                index = len(on) + _tone_index(rhyme, old)
                for mark in TONE_MARKS:
                    if closed and mark not in ("\u0301", "\u0323"):
                        continue
                    out.add(_with_tone(base, index, mark))
    return frozenset(out)


def is_syllable(word: str) -> bool:
    return unicodedata.normalize("NFC", word).lower() in inventory()


def strip_marks(word: str) -> str:
    """Letters without tone and vowel marks (đ kept apart: it is a letter, d its fold)."""
    from sohoa.vntext import fold

    return fold(word)


def tone_of(syllable: str) -> str:
    """The tone mark of a syllable ('' for the level tone)."""
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in TONE_MARKS:
            return ch
    return ""
