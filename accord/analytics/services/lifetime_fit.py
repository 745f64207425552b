"""The BG/NBD and Gamma-Gamma models: maximum-likelihood fits and scoring, on numpy arrays.

BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2)): while alive, a customer buys at a rate
lambda ~ Gamma(r, alpha); after each purchase it drops out with probability p ~ Beta(a, b). A
customer is summarised by x (repeat purchases), t_x (time of the last purchase) and T (time
observed), both from the first purchase.

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base
Analysis", Journal of Marketing Research 42(4)): a purchase's value ~ Gamma(p, nu), the customer's
nu ~ Gamma(q, gamma); fitted on the mean value of the repeat purchases of the customers with at
least one.

No Django here: plain arrays in, plain arrays out. Numerical care: the likelihoods are summed in
log space (``logaddexp`` for BG/NBD's two terms), the parameters are optimised as logarithms (so
stay positive) within bounds that keep ``exp`` finite, the time and money scales are normalised
before fitting (only alpha and gamma depend on them), and the conditional expectation uses Euler's
transformation of its hypergeometric term, whose parameters then do not grow with x.
Identical customers (same x, t_x, T) are counted once with a weight: customers summarised by whole
days repeat a lot, which makes a million-customer fit a fraction of the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

Array = NDArray[np.float64]
# Bounds of the log-parameters: exp(+-20) spans 2e-9 to 5e8, far beyond any sensible fit, and
# keeps every term finite.
LOG_BOUND = 20.0


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    converged: bool


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    converged: bool

    def expected_value(self, x: Array, mean: Array) -> Array:
        """E(M | x, mean): the expected value of the customer's future purchases, a weighted
        average of the population mean p*gamma/(q-1) and the customer's own mean (equation 5 of the
        iso-value paper); a customer without repeat purchases (x = 0) gets the population mean."""
        x = np.asarray(x, dtype=np.float64)
        mean = np.where(x > 0, np.asarray(mean, dtype=np.float64), 0.0)
        return self.p * (self.gamma + x * mean) / (self.p * x + self.q - 1.0)


def _groups(*columns: Array) -> tuple[list[Array], NDArray[np.intp], Array]:
    """The distinct rows of ``columns``, the index of each row's distinct row, and how often each
    occurs (``np.unique(axis=0)``'s answer by one lexsort, several times faster)."""
    order = np.lexsort(columns[::-1])
    ordered = [c[order] for c in columns]
    starts = np.ones(order.shape[0], dtype=bool)
    if order.shape[0]:
        starts[1:] = np.any([c[1:] != c[:-1] for c in ordered], axis=0)
    group = np.cumsum(starts) - 1
    inverse = np.empty_like(group)
    inverse[order] = group
    counts = np.bincount(group).astype(np.float64) if order.shape[0] else np.empty(0)
    return [c[starts] for c in ordered], inverse, counts


def _compress(*columns: Array) -> tuple[list[Array], Array]:
    """The distinct rows of ``columns`` and how often each occurs."""
    unique, _inverse, counts = _groups(*columns)
    return unique, counts


def _by_value(values: Array) -> tuple[Array, NDArray[np.intp]]:
    """The distinct values and each value's index among them: a function of few distinct values
    (x, T in whole days) is computed once per value and gathered."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return distinct, inverse.reshape(-1)


def bgnbd_log_likelihood(r: float, alpha: float, a: float, b: float, x: Array, t_x: Array, t: Array) -> Array:
    """Each customer's BG/NBD log-likelihood (equation 6 of the paper, in logs)."""
    x = np.asarray(x, dtype=np.float64)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + t)
    repeat = x > 0
    a4 = np.full_like(a3, -np.inf)
    xr = x[repeat]
    a4[repeat] = np.log(a) - np.log(b + xr - 1.0) - (r + xr) * np.log(alpha + t_x[repeat])
    result: Array = a1 + a2 + np.logaddexp(a3, a4)
    return result


@dataclass(frozen=True)
class _BgNbdData:
    """Distinct customers (x, t_x, T) with their weights, and the distinct values of each column
    with every customer's index into them."""

    weight: Array
    repeat: NDArray[np.bool_]
    xs: Array
    x_index: NDArray[np.intp]
    ts: Array
    t_index: NDArray[np.intp]
    t_xs: Array
    t_x_index: NDArray[np.intp]
    x: Array

    @classmethod
    def of(cls, x: Array, t_x: Array, t: Array) -> _BgNbdData:
        (ux, utx, ut), weight = _compress(x, t_x, t)
        xs, x_index = _by_value(ux)
        ts, t_index = _by_value(ut)
        t_xs, t_x_index = _by_value(utx)
        return cls(weight, ux > 0, xs, x_index, ts, t_index, t_xs, t_x_index, ux)


def _bgnbd_objective(log_params: Array, data: _BgNbdData) -> tuple[float, Array]:
    """Minus the weighted log-likelihood and its gradient with respect to the log-parameters.
    Functions of x alone (the gamma functions) and of T or t_x alone (their logarithms) are
    computed once per distinct value."""
    r, alpha, a, b = np.exp(log_params)
    xs, x, repeat, w = data.xs, data.x, data.repeat, data.weight
    log_t = np.log(alpha + data.ts)[data.t_index]
    log_t_x = np.log(alpha + data.t_xs)[data.t_x_index]
    rx = r + x
    a3 = -rx * log_t
    a4 = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1.0, 1.0)) - rx * log_t_x, -np.inf)
    mix = np.logaddexp(a3, a4)
    w3, w4 = np.exp(a3 - mix), np.exp(a4 - mix)  # the two terms' shares of the likelihood
    of_x = (special.gammaln(r + xs) + special.gammaln(b + xs) - special.gammaln(a + b + xs))[data.x_index]
    ll = of_x - special.gammaln(r) + r * np.log(alpha) + special.gammaln(a + b) - special.gammaln(b) + mix
    psi_rx = special.digamma(r + xs)[data.x_index]
    psi_bx = special.digamma(b + xs)[data.x_index]
    psi_abx = special.digamma(a + b + xs)[data.x_index]
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    d_r = psi_rx - special.digamma(r) + np.log(alpha) - w3 * log_t - w4 * log_t_x
    d_alpha = r / alpha - (w3 * np.exp(-log_t) + w4 * np.exp(-log_t_x)) * rx
    d_a = special.digamma(a + b) - psi_abx + w4 / a
    d_b = special.digamma(a + b) + psi_bx - special.digamma(b) - psi_abx - w4 / bx1
    grad = np.array([w @ d_r * r, w @ d_alpha * alpha, w @ d_a * a, w @ d_b * b])
    return -float(w @ ll), -grad


def _minimise(objective: object, start: Array, args: tuple[Any, ...]) -> optimize.OptimizeResult:
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = optimize.minimize(
        objective, start, args=args, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 500}
    )
    at_bound = np.any(np.abs(result.x) >= LOG_BOUND - 1e-6)
    result.converged = bool(result.success and np.isfinite(result.fun) and not at_bound)
    return result


def fit_bgnbd(x: Array, t_x: Array, t: Array) -> BgNbd:
    """The maximum-likelihood BG/NBD parameters for customers (x, t_x, T); alpha in the unit of
    t_x and T."""
    x, t_x, t = (np.asarray(v, dtype=np.float64) for v in (x, t_x, t))
    # alpha is in units of time; the others are not. Fitting with T up to 10 keeps alpha near 1.
    scale = 10.0 / max(float(t.max()), 1e-9)
    result = _minimise(_bgnbd_objective, np.zeros(4), (_BgNbdData.of(x, t_x * scale, t * scale),))
    r, alpha, a, b = np.exp(result.x)
    alpha /= scale
    ll = float(bgnbd_log_likelihood(r, alpha, a, b, x, t_x, t).sum())
    return BgNbd(float(r), float(alpha), float(a), float(b), ll, result.converged)


def gamma_gamma_log_likelihood(p: float, q: float, gamma: float, x: Array, mean: Array) -> Array:
    """Each customer's Gamma-Gamma log-likelihood of its mean purchase value over x purchases."""
    px = p * x
    result: Array = (
        special.gammaln(px + q)
        - special.gammaln(q)
        - special.gammaln(px)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(mean)
        + px * np.log(x)
        - (px + q) * np.log(x * mean + gamma)
    )
    return result


@dataclass(frozen=True)
class _GammaGammaData:
    weight: Array
    x: Array
    mean: Array
    log_mean: Array
    log_x: Array
    xs: Array
    x_index: NDArray[np.intp]

    @classmethod
    def of(cls, x: Array, mean: Array) -> _GammaGammaData:
        (ux, umean), weight = _compress(x, mean)
        xs, x_index = _by_value(ux)
        return cls(weight, ux, umean, np.log(umean), np.log(ux), xs, x_index)


def _gamma_gamma_objective(log_params: Array, data: _GammaGammaData) -> tuple[float, Array]:
    p, q, gamma = np.exp(log_params)
    x, w, xs, index = data.x, data.weight, data.xs, data.x_index
    px = p * x
    total = np.log(x * data.mean + gamma)
    lg_pxq, lg_px = special.gammaln(p * xs + q)[index], special.gammaln(p * xs)[index]
    psi_pxq, psi_px = special.digamma(p * xs + q)[index], special.digamma(p * xs)[index]
    ll = lg_pxq - special.gammaln(q) - lg_px + q * np.log(gamma) + (px - 1.0) * data.log_mean
    ll += px * data.log_x - (px + q) * total
    d_p = x * (psi_pxq - psi_px + data.log_mean + data.log_x - total)
    d_q = psi_pxq - special.digamma(q) + np.log(gamma) - total
    d_gamma = q / gamma - (px + q) * np.exp(-total)
    grad = np.array([w @ d_p * p, w @ d_q * q, w @ d_gamma * gamma])
    return -float(w @ ll), -grad


def fit_gamma_gamma(x: Array, mean: Array) -> GammaGamma:
    """The maximum-likelihood Gamma-Gamma parameters over customers with x >= 1 repeat purchases
    of mean value ``mean`` > 0 (the others are the caller's to leave out)."""
    x, mean = np.asarray(x, dtype=np.float64), np.asarray(mean, dtype=np.float64)
    scale = 1.0 / float(np.median(mean))  # gamma is in units of money; the others are not
    result = _minimise(_gamma_gamma_objective, np.zeros(3), (_GammaGammaData.of(x, mean * scale),))
    p, q, gamma = np.exp(result.x)
    gamma /= scale
    ll = float(gamma_gamma_log_likelihood(p, q, gamma, x, mean).sum())
    # q <= 1: the population's mean value is infinite, no use for CLV.
    return GammaGamma(float(p), float(q), float(gamma), ll, result.converged and q > 1.0)


def p_alive(fit: BgNbd, x: Array, t_x: Array, t: Array) -> Array:
    """P(alive | x, t_x, T) (equation 11); 1 for a customer without repeat purchases, since in the
    BG/NBD a customer can only drop out right after a purchase."""
    x = np.asarray(x, dtype=np.float64)
    repeat = x > 0
    logit = np.full(x.shape, -np.inf)
    xr = x[repeat]
    logit[repeat] = (
        np.log(fit.a)
        - np.log(fit.b + xr - 1.0)
        + (fit.r + xr) * (np.log(fit.alpha + t[repeat]) - np.log(fit.alpha + t_x[repeat]))
    )
    result: Array = special.expit(-logit)
    return result


def _expected_unconditioned_on_alive(fit: BgNbd, x: Array, t: Array, horizon: float) -> Array:
    """E[Y(horizon) | x, t_x, T] / P(alive) (equation 10 without its denominator).

    As printed, (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) with z = h / (alpha+T+h) overflows for many
    repeat purchases. Euler's transformation turns it into (1-z)^(a-1) 2F1(a+b-1-r, a-1;
    a+b+x-1; z), whose parameters do not grow with x; where that still overflows (a and b in the
    thousands: a dropout probability nearly the same for everyone) Pfaff's, 2F1(r+x, a-1; a+b+x-1;
    -h / (alpha+T)); where both do, the dropout probability is taken at its posterior mean
    p = a / (a+b+x), the Beta being then narrower than the figures' precision:
    (1 - (1 + p h / (alpha+T))^-(r+x)) / p."""
    with np.errstate(all="ignore"):
        a = fit.a if abs(fit.a - 1.0) > 1e-9 else 1.0 + 1e-9  # the formula's 0/0 at a = 1
        c = a + fit.b + x - 1.0
        z = horizon / (fit.alpha + t + horizon)
        hyp = special.hyp2f1(a + fit.b - 1.0 - fit.r, a - 1.0, c, z)
        result: Array = c / (a - 1.0) * (1.0 - np.exp((a - 1.0) * np.log1p(-z)) * hyp)
        bad = ~np.isfinite(result)
        if bad.any():
            w = -horizon / (fit.alpha + t[bad])
            result[bad] = c[bad] / (a - 1.0) * (1.0 - special.hyp2f1(fit.r + x[bad], a - 1.0, c[bad], w))
            bad = ~np.isfinite(result)
        if bad.any():
            p = a / (a + fit.b + x[bad])
            shape = fit.r + x[bad]
            result[bad] = -np.expm1(-shape * np.log1p(p * horizon / (fit.alpha + t[bad]))) / p
    return result


def expected_purchases(fit: BgNbd, x: Array, t_x: Array, t: Array, horizons: list[float]) -> tuple[Array, Array]:
    """P(alive) and the conditional expected purchases in each of ``horizons`` (one column each,
    in the unit of T). The hypergeometric term depends on x and T only: computed once per pair."""
    x, t_x, t = (np.asarray(v, dtype=np.float64) for v in (x, t_x, t))
    alive = p_alive(fit, x, t_x, t)
    (pair_x, pair_t), inverse, _counts = _groups(x, t)
    result = np.empty((x.shape[0], len(horizons)))
    for k, horizon in enumerate(horizons):
        result[:, k] = _expected_unconditioned_on_alive(fit, pair_x, pair_t, horizon)[inverse] * alive
    return alive, result
