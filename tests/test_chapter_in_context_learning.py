"""book/in-context-learning.ipynb: its main checks can fail.

Six claims carry the chapter. (1) One layer of memory units learns the induction task: putting the
one-layer transformer's curve in the mosaic's place must fail the mosaic's check. (2) One layer of
attention does not: putting the mosaic's curve in the one-layer transformer's place must fail that
check. (3) The trained mosaic's read-out weights sit on the earlier occurrences of the current token, whose
stored values peek at the token that followed: scoring the weight on the position *after* each earlier
occurrence (where the answer token itself sits) must fail. (4) On unseen regular languages the mosaic beats the transformer by at least 0.2 in accuracy:
comparing the transformer with itself must fail. (5) The two-layer transformer does learn the induction
task with enough steps: training it only as long as the mosaic must fail that check. (6) The one-layer
mosaic also solves multi-query recall: scoring the one-layer transformer in its place must fail.

Training is the expensive part, so it runs once, with one induction seed (seed 0), and every
variant runs its cells in the same kernel; the unperturbed variant must pass. The RegBench training
runs at its default size (one seed), since its check needs the full run. The whole chapter, with its
three induction seeds, runs unperturbed in the notebook tests.
"""

from __future__ import annotations

from editions import BOOK, perturbation_suite

CHAPTER = BOOK / "in-context-learning.ipynb"
TASK_CELL = "def induction_batch(batch, generator):"
TRAIN_CELL = 'ARCH = {"mosaic, 1 layer"'
RACE_CELL = "def curve(name):"
LONG_CELL = "long_runs = {}"
MQAR_CELL = "def mqar_batch(batch, generator):"
WEIGHTS_CELL = 'model = runs["mosaic, 1 layer", SEEDS_IND[0]][0]'
REG_TRAIN_CELL = "train_lang = rb.make_split("
REG_CHECK_CELL = 'r0 = reg_runs["mosaic", SEEDS_REG[0]]'
CHEAPER = {"SEEDS_IND = env.pick(default=[0, 1, 2]": "SEEDS_IND = env.pick(default=[0]"}

VARIANTS = {
    "unperturbed": ([RACE_CELL, LONG_CELL, MQAR_CELL, WEIGHTS_CELL, REG_CHECK_CELL], {}),
    "one-layer transformer scored as the mosaic on multi-query recall": (
        [RACE_CELL, MQAR_CELL], {'0.95, mq["mosaic, 1 layer"][0] - 3 * mq["mosaic, 1 layer"][1])':
                                 '0.95, mq["GPT, 1 layer"][0] - 3 * mq["GPT, 1 layer"][1])'}),
    "2-layer transformer trained only as long as the mosaic": (
        [RACE_CELL, LONG_CELL], {"config = lmt.LMTrainConfig(steps=LONG_STEPS": "config = lmt.LMTrainConfig(steps=S_MM"}),
    "one-layer transformer in the mosaic's place": (
        [RACE_CELL], {'mm_end, gpt1_end, gpt2_end = at_step("mosaic, 1 layer", S_MM)':
                      'mm_end, gpt1_end, gpt2_end = at_step("GPT, 1 layer", S_MM)'}),
    "mosaic in the one-layer transformer's place": (
        [RACE_CELL], {'gpt1_same, gpt2_same = at_step("GPT, 1 layer", S_MM)':
                      'gpt1_same, gpt2_same = at_step("mosaic, 1 layer", S_MM)'}),
    "weight read at the position after the earlier occurrence": (
        [WEIGHTS_CELL], {"same = (eval_inputs[:, :, None] == eval_inputs[:, None, :])":
                         "same = (eval_inputs[:, :, None] == eval_inputs.roll(1, 1)[:, None, :])"}),
    "transformer compared with itself on RegBench": (
        [REG_CHECK_CELL], {'diff = torch.stack([reg_runs["mosaic", s]["per_language"][k]':
                           'diff = torch.stack([reg_runs["GPT", s]["per_language"][k]'}),
}
EXPECTED = {
    "one-layer transformer scored as the mosaic on multi-query recall": "multi-query recall: 1-layer mosaic accuracy",
    "2-layer transformer trained only as long as the mosaic": "2-layer GPT: accuracy after",
    "one-layer transformer in the mosaic's place": "1-layer mosaic: accuracy on repeats",
    "mosaic in the one-layer transformer's place": "1-layer GPT: accuracy after",
    "weight read at the position after the earlier occurrence": "best head: weight on earlier occurrences",
    "transformer compared with itself on RegBench": "RegBench: mosaic accuracy minus GPT accuracy",
}


results, test_chapter_checks_pass_unperturbed, test_perturbed_check_fails = perturbation_suite(
    CHAPTER, shared=[TASK_CELL, TRAIN_CELL, REG_TRAIN_CELL], variants=VARIANTS, expected=EXPECTED,
    substitutions=CHEAPER, timeout=1200)
