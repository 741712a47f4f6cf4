"""Coined task and technique phrases, found by their head noun: "readmission prediction",
"cluster-based fine-tuning"."""

from __future__ import annotations

import re

from kg.extract.mentions import Mention, says
from kg.vocab import Vocabulary

# Head nouns of coined task phrases: "shadow detection", "readmission prediction", "trial matching".
# (Heads such as "segmentation" or "summarization" map to the vocabulary's task by themselves.)
_TASK_HEAD = re.compile(
    r"\b(?:generation|detection|prediction|matching|extraction|tracking|estimation|forecasting|discovery|"
    r"editing|classification|grading|triage)\b"
)
# The words one of which every match of a pattern holds (see kg.extract.mentions.says).
_TASK_HEADS = frozenset(
    "generation detection prediction matching extraction tracking estimation forecasting discovery "
    "editing classification grading triage".split()
)
# The one or two words before a task head.
_TASK_MODIFIERS = re.compile(r"([A-Za-z][A-Za-z0-9\-]*)\s+(?:([a-z][a-z0-9\-]*)\s+)?$")
# Words that never open a task name (determiners, connectives, evaluative or generic words).
_NOT_TASK_WORDS = frozenset(
    "a an the of for in on to and or with by from via as at is are be its their our this these that such "
    "which improved accurate better effective efficient automatic automated downstream various multiple "
    "different new novel several many more most robust strong general specific fine-grained end-to-end "
    "data model models task tasks performance zero-shot few-shot high-quality large-scale existing "
    "conditional controllable generative faithful open-ended improving enhances enables next-token "
    "tuning fine-tuning training learning pre-training pretraining knowledge domain content solution "
    "label object image text binary multi-class multi-label one two three four five six both either "
    "through between across beyond include includes implement implements improve rapid".split()
)
# Adjective endings: "clinical", "comprehensive", "personalized" modify, they do not name a task.
_ADJECTIVE = re.compile(r"(?:al|ive|ed|ing|ic|ous|ful|able|ible|ary|est|er)$")
# Modalities that make a task an image task: "CT classification" is image classification.
IMAGE_MODALITIES = frozenset(
    [
        "image",
        "chest X-ray",
        "X-ray",
        "CT",
        "MRI",
        "ultrasound",
        "histopathology",
        "dermatology image",
        "ophthalmology image",
        "mammography",
        "microscopy",
        "endoscopy",
        "PET",
        "3D volume",
    ]
)


def _task_modifier(word: str, vocab: Vocabulary) -> bool:
    """True for a word that can name what a task is about ("shadow", "readmission", "EHR")."""
    folded = word.casefold()
    if folded in _NOT_TASK_WORDS or (_ADJECTIVE.search(folded) and not word.isupper()):
        return False
    # "real-world", "state-of-the-art", "Beyond": compounds and capitalised words are not task objects
    if "-" in word or (word[:1].isupper() and not word.isupper()):
        return False
    hit = vocab.lookup(word)
    return not hit or hit[1] == "Modality"


def task_phrases(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Coined task phrases by their head noun: "readmission prediction"; "CT classification" is the
    vocabulary's image classification.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("image classification", "Task"), Entry("CT", "Modality")])
    >>> [m.name for m in task_phrases("We study CT classification and readmission prediction.", v)]
    ['image classification', 'readmission prediction']
    """
    found = []
    for head_match in _TASK_HEAD.finditer(text) if says(text, _TASK_HEADS) else ():
        offset = max(0, head_match.start() - 60)
        match = _TASK_MODIFIERS.search(text, offset, head_match.start())
        if not match:
            continue
        first, second = match.groups()
        head = head_match.group()
        words = [w for w in (first, second) if w]
        while words and not _task_modifier(words[0], vocab):
            words.pop(0)
        if not words and head == "classification":
            # bare "classification": the extractor specialises it by the paper's modality, or drops it
            found.append(Mention(head, "Task", head, head_match.start(), head_match.end(), sentence))
            continue
        if not words or not all(_task_modifier(w, vocab) for w in words):
            continue
        start = match.start(1) if len(words) == len([w for w in (first, second) if w]) else match.start(2)
        end = head_match.end()
        surface = text[start:end]
        modifier = vocab.lookup(" ".join(words))
        if modifier and modifier[1] == "Modality":
            image_task = vocab.lookup("image " + head)
            if modifier[0] in IMAGE_MODALITIES and image_task and image_task[1] == "Task":
                found.append(Mention(image_task[0], "Task", surface, start, end, sentence))
                continue
        name = " ".join([*words, head])
        if not vocab.lookup(name) and not vocab.is_generic(name):
            found.append(Mention(name, "Task", surface, start, end, sentence))
    return found


# Technique heads; "(?=[fpl])" lets re test only where one could start.
_METHOD_HEAD = re.compile(r"(?=[fpl])\b(?:fine-?tuning|prompting|loss)\b")
_METHOD_HEADS = frozenset(["tuning", "finetuning", "prompting", "loss"])  # "fine-tuning" is "fine" and "tuning"
# A compound modifier right before the head: "context-aware fine-tuning", "cluster-based fine-tuning".
_METHOD_MODIFIER = re.compile(r"(?<![\w\-])([a-z][a-z0-9]*-[a-z][a-z0-9\-]*)\s+$")
# Words that do not name a kind of technique ("further fine-tuning", "costly training").
NOT_METHOD_WORDS = frozenset(
    "a an the this that these those our their its his her such other same different various multiple several "
    "and or of for in on to with by via from after before during without through as at is are be been was were "
    "using use used apply applying applied perform performing performed requires require enables enable "
    "full partial standard traditional conventional existing extensive further efficient effective simple "
    "naive vanilla costly expensive computationally limited minimal additional subsequent initial direct "
    "typical common prior previous current general generic specific downstream large-scale small-scale "
    "careful proper robust successful better new novel full-parameter model models data llm llms language "
    "machine deep more less most each every any all some two three both task tasks end-to-end when while "
    "not also only then than into can could may might will would should".split()
)


def method_phrases(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Coined technique names: a compound modifier and a technique head ("context-aware fine-tuning").

    >>> [m.name for m in method_phrases("We apply cluster-based fine-tuning, not further fine-tuning.", Vocabulary())]
    ['cluster-based fine-tuning']
    """
    found = []
    for head_match in _METHOD_HEAD.finditer(text) if says(text, _METHOD_HEADS) else ():
        match = _METHOD_MODIFIER.search(text, max(0, head_match.start() - 40), head_match.start())
        if not match or match.group(1) in NOT_METHOD_WORDS or match.group(1).startswith(("out-", "over-", "under-")):
            continue
        name = text[match.start(1) : head_match.end()]
        if vocab.lookup(name) or vocab.is_generic(name) or vocab.lookup(match.group(1)):
            continue
        found.append(Mention(name, "Method", name, match.start(1), head_match.end(), sentence))
    return found


# Head nouns of a part the authors build: "a temporal embedding boosting module".
_PART_HEADS = frozenset("module modules mechanism strategy block layer head heads encoder decoder".split())
# "a|an w1 .. w5 HEAD": the article opens the phrase, so nothing before it belongs to the part.
# Each head in lower case or capitalised ("a Self-Calibration Module"), longest first.
_PART = re.compile(
    r"(?=[aA])\b[aA]n?\s+((?:[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\s+){1,5}?)("
    + "|".join(f"[{head[0].upper()}{head[0]}]{head[1:]}" for head in sorted(_PART_HEADS, key=lambda h: (-len(h), h)))
    + r")\b(?!-)"
)
# Words that open a part without naming it ("a lightweight fusion module", "a novel ... module").
_PART_QUALIFIERS = frozenset(
    "lightweight learnable dedicated plug-and-play key core efficient effective robust novel new".split()
)
# Words that make a part someone else's, or a description rather than a name.
_NOT_PART_WORDS = frozenset("frozen pretrained pre-trained alternative yet".split())


def part_phrases(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Parts the authors build, named by their head noun: "a temporal embedding boosting module".

    At least two words must name the part: "a gating mechanism" or "a linear layer" is a
    kind of thing, not a coined part.

    >>> text = "We add a dual-stream token selection mechanism, a Rectangular Self-Calibration Module, a linear layer."
    >>> [m.name for m in part_phrases(text, Vocabulary())]
    ['dual-stream token selection mechanism', 'Rectangular Self-Calibration Module']
    """
    if not says(text, _PART_HEADS):
        return []
    found = []
    for match in _PART.finditer(text):
        words = match.group(1).split()
        # all lower case ("a token selection mechanism") or all Title Case ("a Self-Calibration Module")
        if {w[0].isupper() for w in words} != {match.group(2)[0].isupper()}:
            continue
        folded = [w.casefold() for w in words]
        if any((w in NOT_METHOD_WORDS and w not in _PART_QUALIFIERS) or w in _NOT_PART_WORDS for w in folded):
            continue
        lead = 0
        while lead < len(folded) and folded[lead] in _PART_QUALIFIERS:
            lead += 1
        if len(words) - lead < 2:
            continue
        # the part starts after its qualifiers: what is left once they are split off
        start = match.end(1) - len(match.group(1).split(None, lead)[-1])
        name = text[start : match.end()]
        if vocab.lookup(name) or vocab.lookup(" ".join(words[lead:])) or vocab.is_generic(name):
            continue
        found.append(Mention(name, "Method", name, start, match.end(), sentence))
    return found
