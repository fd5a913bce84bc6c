"""book/predictive-disentanglement.ipynb: its main checks can fail.

Three claims carry the chapter. (1) One memory over the joint state of the three moons predicts well only
after the full period of the system: asking it to be good already after 1.5 times the longest moon period
(the three-head network's window) must fail. (2) Free-running forecasts: the three-head network beats the
one-head network at that context; putting the one-head network in its place must fail. (3) The kept
three-head run splits the moons, one head per moon: the same permutation score applied to the one-head
weights must fail.

Training is the expensive part, so it runs once (one three-head seed, seed 2, the kept run of the default
profile) and every variant runs its cells in the same kernel; the unperturbed variant must pass. The
whole chapter, with its three seeds and the failing-seed cell, runs unperturbed in the notebook tests.
"""

from __future__ import annotations

from editions import BOOK, perturbation_suite

CHAPTER = BOOK / "predictive-disentanglement.ipynb"
DATA_CELL = "dt = mm.three_moons_time_step(T)"
TRAIN_CELL = "def train(heads, seed):"
CONTEXT_CELL = "curves = {(h, split): error_curves("
FORECAST_CELL = "C_MID, C_LATE = "
WEIGHTS_CELL = "def permutation_score(mags):"
ONE_SEED = {"SEEDS = env.pick(default=[0, 1, 2]": "SEEDS = env.pick(default=[2]"}

VARIANTS = {
    "unperturbed": ([CONTEXT_CELL, FORECAST_CELL, WEIGHTS_CELL], {}),
    "one head good after the moon periods": (
        [CONTEXT_CELL], {"late1 = window(v1, 1.2 * P_FULL_VAL, T)": "late1 = window(v1, 1.5 * P_MAX_VAL, 0.9 * P_FULL_VAL)"}),
    "one head in place of three for forecasts": (
        [FORECAST_CELL], {'("3 heads", net3, C_MID)': '("3 heads", net1, C_MID)'}),
    "one-head weights scored as a permutation": (
        [WEIGHTS_CELL], {'ratio3, perms3, consistent3 = scores[f"3 heads, seed {best_seed}"]':
                         'ratio3, perms3, consistent3 = scores["1 head"]'}),
}
EXPECTED = {
    "one head good after the moon periods": "1 head: validation error after 1.2 full periods",
    "one head in place of three for forecasts": "25-step forecasts at context 1.5 x the longest moon period",
    "one-head weights scored as a permutation": "3 heads: every row's largest entry",
}


results, test_chapter_checks_pass_unperturbed, test_perturbed_check_fails = perturbation_suite(
    CHAPTER, shared=[DATA_CELL, TRAIN_CELL], variants=VARIANTS, expected=EXPECTED, substitutions=ONE_SEED)
