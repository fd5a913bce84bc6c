"""book/adam-and-layernorm.ipynb: its main checks can fail.

The chapter asserts (1) that sign-GD and normalized GD beat GD on the population loss, (2) that tuned
SGD and tuned sign-GD agree with the paper's published grid and are ordered as the paper says, (3) the
same for the layer-norm comparison, (4) that a decayed step stops the forgetting of a large one, and
(5) that its visible SGD replay is the run of ``am.train_memory``. Each test below perturbs the key
quantity of one claim (the optimizer, the data law, the layer norm, the schedule, the step size) and
shows that the claim's check fails; the unperturbed cells pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "adam-and-layernorm.ipynb"
POPULATION = ["dyn = {opt: am.population_dynamics", "def official_metric"]
TUNED = ["tuned = {key: torch.zeros", "def slope_se"]
LAYERNORM = ["COMBOS = {", "def population_grad"]
SCHEDULE = ["SCHED = dict(", "upto = fixed.steps"]
REPLAY = ["GAMMA = 0.1"]


def test_main_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=POPULATION + TUNED + LAYERNORM + SCHEDULE + REPLAY)
    assert result.index is None, result


def test_population_check_fails_when_every_optimizer_is_gd():
    result = run_cells(CHAPTER, cells=POPULATION, substitutions={"optimizer=opt,": 'optimizer="gd",'})
    assert result.ename == "CheckFailed", result
    assert "sign-GD minus GD" in result.evalue, result


def test_grid_check_fails_with_a_wrong_zipf_exponent():
    # the runs draw their tokens with alpha = 1.5 while the published grid used alpha = 2
    result = run_cells(CHAPTER, cells=TUNED, substitutions={"alpha=2.0, T=10240)": "alpha=1.5, T=10240)"})
    assert result.ename == "CheckFailed", result
    assert "vs the published grid" in result.evalue, result


def test_layernorm_checks_fail_without_layer_norm():
    # every run trains without LN, so the "+LN" curves are the plain ones
    result = run_cells(CHAPTER, cells=LAYERNORM, substitutions={"layernorm=ln,": "layernorm=False,"})
    assert result.ename == "CheckFailed", result
    assert "LN" in result.evalue, result


def test_forgetting_check_fails_without_the_decay():
    # the "schedule" keeps gamma = 10 after step 100
    result = run_cells(CHAPTER, cells=SCHEDULE,
                       substitutions={"return 1.0 if step <= DROP else 0.03": "return 1.0"})
    assert result.ename == "CheckFailed", result
    assert "updates that raise the error" in result.evalue, result


def test_replay_identity_fails_with_a_wrong_step():
    result = run_cells(CHAPTER, cells=REPLAY,
                       substitutions={"Ws.append(W - GAMMA * torch.outer(": "Ws.append(W - 2 * GAMMA * torch.outer("})
    assert result.ename == "CheckFailed", result
    assert "replay = train_memory" in result.evalue, result
