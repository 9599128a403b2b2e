#!/usr/bin/env python3
"""Chance on the synthetic key-value task: the best EM a model can reach WITHOUT reading the question.

A model that ignores the question still sees the document, so "1 / facts" is not chance when the
answers have a position prior (e.g. all in the second half) or a value prior. This script fits
question-blind rules on the training split's JSONL (vcc-preprocess synthetic, without --no-jsonl)
and scores them on the evaluation split; chance is the best of them:

  position   always answer the fact at the most frequent rank (1st, 2nd, ... fact of the document)
  value      always answer the most frequent answer text of the training split
  prior      per document, the fact maximising P(rank) * P(answered | its value occurs), both
             estimated on the training split (position and value priors together)
  near-miss  the fact whose key has the most keys one syllable away in the document (with
             --near-miss > 0 the asked key is the centre of that cluster; ties: first such fact)

    python3 tools/synthetic_chance.py DATA/train.jsonl DATA/test.jsonl [--json]
"""
import argparse
import collections
import json
import re
import sys

FACT = re.compile(r"(?:^|(?<=\. ))([a-z]+) : ([a-z]+) (?=\.)")


def fail(message):
    print(f"synthetic_chance: error: {message}", file=sys.stderr)
    sys.exit(1)


def read(path):
    """[(facts [(key, value)], answer text)] of a synthetic JSONL split."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    ex = json.loads(line)
                    facts = FACT.findall(ex["context"])
                    answer = ex["answers"][0]
                except (ValueError, KeyError, IndexError, TypeError):
                    fail(f"{path}:{n}: not a synthetic QA JSON line (context, answers)")
                if not facts:
                    fail(f"{path}:{n}: no 'KEY : VALUE .' fact in the context")
                out.append((facts, answer))
    except OSError as e:
        fail(f"cannot read {path} ({e.strerror})")
    if not out:
        fail(f"{path} holds no example")
    return out


def fact_text(fact, answer_is_fact):
    return f"{fact[0]} : {fact[1]}" if answer_is_fact else fact[1]


def answer_rank(facts, answer, answer_is_fact):
    for i, fact in enumerate(facts):
        if fact_text(fact, answer_is_fact) == answer:
            return i
    return None


def one_syllable_apart(a, b):
    # Keys are two consonant-vowel syllables; near misses change exactly one of them.
    return a != b and len(a) == len(b) == 4 and (a[:2] == b[:2] or a[2:] == b[2:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("train")
    ap.add_argument("eval")
    ap.add_argument("--json", action="store_true", help="print {rule: EM} and the best as JSON")
    args = ap.parse_args()
    train, test = read(args.train), read(args.eval)
    answer_is_fact = " : " in train[0][1]

    ranks, answered, present, answers = (collections.Counter() for _ in range(4))
    for facts, answer in train:
        r = answer_rank(facts, answer, answer_is_fact)
        if r is None:
            fail(f"{args.train}: an answer '{answer}' is not one of its document's facts")
        ranks[r] += 1
        answers[answer] += 1
        for fact in facts:
            present[fact[1]] += 1
        answered[facts[r][1]] += 1
    best_rank = ranks.most_common(1)[0][0]
    best_answer = answers.most_common(1)[0][0]

    def p_rank(i):
        return (ranks[i] + 1) / (len(train) + 1)

    def p_value(v):
        return (answered[v] + 1) / (present[v] + 2)

    hits = collections.Counter()
    for facts, answer in test:
        picks = {
            "position": facts[best_rank] if best_rank < len(facts) else None,
            "prior": max(facts, key=lambda f: p_rank(facts.index(f)) * p_value(f[1])),
            "near-miss": max(facts, key=lambda f: sum(one_syllable_apart(f[0], g[0]) for g in facts)),
        }
        for rule, fact in picks.items():
            hits[rule] += fact is not None and fact_text(fact, answer_is_fact) == answer
        hits["value"] += answer == best_answer
    em = {rule: 100.0 * hits[rule] / len(test) for rule in ("position", "value", "prior", "near-miss")}
    best = max(em, key=em.get)
    if args.json:
        print(json.dumps({"em": em, "best_rule": best, "chance": em[best], "examples": len(test)}))
    else:
        for rule, v in em.items():
            print(f"{rule:10s} {v:5.1f}")
        print(f"chance {em[best]:.1f} ({best} rule, {len(test)} examples)")


if __name__ == "__main__":
    main()
