"""The BG/NBD and Gamma-Gamma fits against the estimates published for the CDNOW sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import special

from accord.analytics.services import lifetime_fit

DATA = Path(__file__).parent / "data" / "cdnow_sample_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    table = np.genfromtxt(DATA, delimiter=",", names=True)
    return {name: table[name] for name in ("ID", "x", "t_x", "T", "zbar")}


@pytest.fixture(scope="module")
def bgnbd(cdnow: dict[str, np.ndarray]) -> lifetime_fit.BgNbd:
    return lifetime_fit.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_the_sample_is_the_published_one(cdnow: dict[str, np.ndarray]) -> None:
    assert len(cdnow["x"]) == 2357
    assert int((cdnow["x"] > 0).sum()) == 946
    assert float(cdnow["T"].max()) == pytest.approx(38.86)


def test_the_bgnbd_fit_matches_fader_hardie_lee_2005(bgnbd: lifetime_fit.BgNbd) -> None:
    """Marketing Science 24(2), p. 279: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
    LL = -9582.4."""
    assert bgnbd.converged
    assert round(bgnbd.r, 3) == 0.243
    assert round(bgnbd.alpha, 3) == 4.414
    assert round(bgnbd.a, 3) == 0.793
    assert round(bgnbd.b, 3) == 2.426
    assert round(bgnbd.log_likelihood, 1) == -9582.4


def test_the_published_parameters_give_the_published_log_likelihood(cdnow: dict[str, np.ndarray]) -> None:
    ll = lifetime_fit.bgnbd_log_likelihood(0.243, 4.414, 0.793, 2.426, cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert round(float(ll.sum()), 1) == -9582.4


def test_the_gamma_gamma_fit_matches_the_iso_value_paper(cdnow: dict[str, np.ndarray]) -> None:
    """Journal of Marketing Research 42(4), p. 420: p = 6.25, q = 3.74, gamma = 15.44, over the
    946 customers with a repeat purchase (their mean repeat purchase value)."""
    repeat = cdnow["x"] > 0

    fit = lifetime_fit.fit_gamma_gamma(cdnow["x"][repeat], cdnow["zbar"][repeat])

    assert fit.converged
    assert round(fit.p, 2) == 6.25
    assert round(fit.q, 2) == 3.74
    assert fit.gamma == pytest.approx(15.44, rel=0.005)
    # The population's mean value of a purchase, p * gamma / (q - 1), about 35 dollars
    assert float(fit.expected_value(np.array([0.0]), np.array([0.0]))[0]) == pytest.approx(35.2, abs=0.1)


def test_customer_one_expects_1_226_purchases_in_the_next_39_weeks(bgnbd: lifetime_fit.BgNbd) -> None:
    """The worked example of Fader, Hardie & Lee's note "Implementing the BG/NBD Model for
    Customer Base Analysis in Excel" (2005): customer 0001, x = 2, t_x = 30.43, T = 38.86, expects
    1.226 purchases in weeks 39-78."""
    one = (np.array([2.0]), np.array([30.43]), np.array([38.86]))

    alive, expected = lifetime_fit.expected_purchases(bgnbd, *one, [39.0])

    assert round(float(expected[0, 0]), 3) == 1.226
    assert 0 < float(alive[0]) < 1


def test_the_euler_transformed_expectation_equals_the_papers_formula(
    cdnow: dict[str, np.ndarray], bgnbd: lifetime_fit.BgNbd
) -> None:
    """Equation 10 as printed, with the hypergeometric function of (r+x, b+x), against the
    transformed one the code uses, over the whole sample."""
    x, t_x, t = cdnow["x"], cdnow["t_x"], cdnow["T"]
    r, alpha, a, b = bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b
    horizon = 52.0
    z = horizon / (alpha + t + horizon)
    numerator = (a + b + x - 1) / (a - 1) * (1 - (1 - z) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z))
    printed = numerator / (1 + (x > 0) * a / np.maximum(b + x - 1, 1e-12) * ((alpha + t) / (alpha + t_x)) ** (r + x))

    _alive, expected = lifetime_fit.expected_purchases(bgnbd, x, t_x, t, [horizon])

    np.testing.assert_allclose(expected[:, 0], printed, rtol=1e-9)


def test_p_alive_is_one_without_a_repeat_purchase_and_falls_with_silence(bgnbd: lifetime_fit.BgNbd) -> None:
    x = np.array([0.0, 5.0, 5.0, 5.0])
    t_x = np.array([0.0, 10.0, 10.0, 10.0])
    t = np.array([20.0, 10.0, 20.0, 38.0])

    alive = lifetime_fit.p_alive(bgnbd, x, t_x, t)

    assert alive[0] == 1.0
    assert alive[1] > alive[2] > alive[3]
    # Equation 11 by hand for the last one
    by_hand = 1 / (1 + bgnbd.a / (bgnbd.b + 4) * ((bgnbd.alpha + 38) / (bgnbd.alpha + 10)) ** (bgnbd.r + 5))
    assert float(alive[3]) == pytest.approx(by_hand, rel=1e-12)


def test_extreme_customers_give_finite_figures(bgnbd: lifetime_fit.BgNbd) -> None:
    """A thousand repeat purchases, a long silence, a purchase today: no overflow, no nan."""
    x = np.array([1000.0, 1000.0, 0.0, 300.0])
    t_x = np.array([1000.0, 10.0, 0.0, 0.0])
    t = np.array([1000.0, 2000.0, 0.0, 5000.0])

    alive, expected = lifetime_fit.expected_purchases(bgnbd, x, t_x, t, [52.0])

    assert np.all(np.isfinite(alive))
    assert np.all(np.isfinite(expected))
    assert alive[1] == pytest.approx(0.0, abs=1e-12)
    assert np.all(expected >= 0)


def test_a_dropout_rate_nearly_the_same_for_everyone_gives_finite_expectations() -> None:
    """a and b in the millions (what a fit finds when nobody's silence says more than anyone
    else's): the hypergeometric terms overflow, the posterior mean of the dropout probability
    stands in, within a hundredth of a per cent of the moderate case it tends to."""
    x, t_x, t = np.array([0.0, 5.0, 25.0]), np.array([0.0, 10.0, 50.0]), np.array([1.0, 20.0, 51.0])
    huge = lifetime_fit.BgNbd(0.4, 3.0, 1e5, 3e6, 0.0, True)
    moderate = lifetime_fit.BgNbd(0.4, 3.0, 1e3, 3e4, 0.0, True)

    _alive, expected = lifetime_fit.expected_purchases(huge, x, t_x, t, [52.0])
    _alive, reference = lifetime_fit.expected_purchases(moderate, x, t_x, t, [52.0])

    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(expected, reference, rtol=2e-3)


def test_clv_of_cdnow_customer_one_with_the_gamma_gamma(
    cdnow: dict[str, np.ndarray], bgnbd: lifetime_fit.BgNbd
) -> None:
    """The service's scoring over the sample: customer 0001 (x = 2, mean 22.35) is worth its
    monthly expected purchases, discounted at 10 % a year, times E(M) = p (gamma + x mean) /
    (p x + q - 1), at its revenue (no cost known)."""
    from accord.analytics.services import lifetime

    repeat = cdnow["x"] > 0
    gamma_gamma = lifetime_fit.fit_gamma_gamma(cdnow["x"][repeat], cdnow["zbar"][repeat])
    n = len(cdnow["x"])
    data = lifetime.Summary(
        ids=np.array([str(i) for i in range(n)], dtype=object),
        is_company=np.zeros(n, dtype=bool),
        x=cdnow["x"],
        t_x=cdnow["t_x"],
        t=cdnow["T"],
        mean_value=np.where(repeat, cdnow["zbar"], np.nan),
        margin_ratio=np.full(n, np.nan),
    )

    scores = lifetime.score(data, bgnbd, gamma_gamma)

    value = gamma_gamma.p * (gamma_gamma.gamma + 2 * 22.35) / (gamma_gamma.p * 2 + gamma_gamma.q - 1)
    assert scores.expected_value[0] == pytest.approx(value, rel=1e-12)
    month = 365.25 / 12 / 7
    _alive, cumulative = lifetime_fit.expected_purchases(
        bgnbd, np.array([2.0]), np.array([30.43]), np.array([38.86]), [month * k for k in range(13)]
    )
    monthly = np.diff(cumulative[0])
    discounted = sum(monthly[k - 1] / 1.1 ** (k / 12) for k in range(1, 13))
    assert scores.clv[0] == pytest.approx(discounted * value, rel=1e-12)
    assert scores.expected_purchases[0] == pytest.approx(cumulative[0, 12], rel=1e-12)
    assert set(scores.churn_risk.tolist()) == {"low", "medium", "high"}
