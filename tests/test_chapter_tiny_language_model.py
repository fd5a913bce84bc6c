"""book/tiny-language-model.ipynb: its main checks can fail.

Three claims carry the chapter. (1) E1: the one-block memory mosaic has a lower validation loss than the
GPT of the same size; swapping the two models in the comparison must fail. (2) E2: on name continuations
(characters only in-context copying predicts) the mosaic's loss is below half of GPT's; scoring the
complement of the mask as "name continuations" must fail. (3) Out of distribution, the mosaic is below
GPT in the second half of the context window (the effect of the paper's Wikipedia figure); swapping the
models there must fail.

Training is the expensive part (one seed per model in the default profile), so it runs once and every
variant runs its cells in the same kernel; the unperturbed variant must pass.
"""

from __future__ import annotations

from editions import BOOK, perturbation_suite

CHAPTER = BOOK / "tiny-language-model.ipynb"
CORPUS_CELL = "corpus = am.stories.make_corpus(seed=env.seed)"
MODELS_CELL = "def build(kind, seed, layers=LAYERS):"
TRAIN_CELL = "config = am.lm_training.LMTrainConfig("
SPLIT_CELL = "def per_token(model, inputs, targets, chunk=50):"
POSITION_CELL = "BIN = 16"

VARIANTS = {
    "unperturbed": ([SPLIT_CELL, POSITION_CELL], {}),
    "models swapped for E1": (
        [SPLIT_CELL], {'mo, gp = split["mosaic", seed], split["gpt", seed]':
                       'mo, gp = split["gpt", seed], split["mosaic", seed]'}),
    "complement of the name mask": (
        [SPLIT_CELL], {'"story_names": story_means(L, val_names)': '"story_names": story_means(L, ~val_names)'}),
    "models swapped out of distribution": (
        [SPLIT_CELL, POSITION_CELL],
        {'late = paired(b["gpt"][:, LATE:].mean(1), b["mosaic"][:, LATE:].mean(1))':
         'late = paired(b["mosaic"][:, LATE:].mean(1), b["gpt"][:, LATE:].mean(1))'}),
}
EXPECTED = {
    "models swapped for E1": "E1, seed 0: mosaic validation loss below GPT's",
    "complement of the name mask": "E2, seed 0: mosaic name-continuation loss below half of GPT's",
    "models swapped out of distribution": "out of distribution, seed 0: mosaic below GPT in the second half",
}


results, test_chapter_checks_pass_unperturbed, test_perturbed_check_fails = perturbation_suite(
    CHAPTER, shared=[CORPUS_CELL, MODELS_CELL, TRAIN_CELL], variants=VARIANTS, expected=EXPECTED)
