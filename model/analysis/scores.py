"""Forecast scores for the backtest: the model's statement distributions against texts,
beside two naive forecasts.

An *occasion* is one simulated meeting (year, ministerial or summit) for which a real
text exists. Scores (each over a set of occasions):

- Spearman rank correlation and mean absolute error of the mean tone;
- modal accuracy: the share of occasions whose most likely tone is the observed one;
- ranked probability score (RPS) of the tone distribution (Epstein 1969; scoringrules'
  ``rps_score``, lower is better), over the occasions with a text;
- Brier score of the voice (consensus, split, none), summed over the three voices.

The naive forecasts are *persistence* (the tone and voice of the latest earlier
occasion in the same record, with certainty) and *climatology* (the tone and voice
frequencies of the calibration record, ``seeds/statements.csv``, every year alike).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scoringrules
from scipy.stats import spearmanr

from model.record.occasions import Occasion
from model.vocabulary import VOICES

TONE_LEVELS = 5


@dataclass(frozen=True)
class Forecast:
    """A probability forecast for one occasion: tones (given a text) and voices."""

    tone_probs: np.ndarray  # (5,), sums to 1 (uniform when no text was ever simulated)
    voice_probs: np.ndarray  # (3,) in VOICES order

    @property
    def mean(self) -> float:
        return float(np.dot(self.tone_probs, np.arange(TONE_LEVELS)))

    @property
    def mode(self) -> int:
        return int(np.argmax(self.tone_probs))


def forecast_from_samples(tones: np.ndarray, voices: np.ndarray) -> Forecast:
    """A forecast from simulated replicates: ``tones`` float with NaN for no text,
    ``voices`` integer codes into VOICES."""
    texts = tones[np.isfinite(tones)].astype(int)
    if texts.size:
        tone_probs = np.bincount(texts, minlength=TONE_LEVELS)[:TONE_LEVELS] / texts.size
    else:
        tone_probs = np.full(TONE_LEVELS, 1.0 / TONE_LEVELS)
    voice_probs = np.bincount(voices.astype(int), minlength=len(VOICES))[: len(VOICES)]
    return Forecast(tone_probs, voice_probs / max(1, voices.size))


def climatology(statements: pd.DataFrame) -> Forecast:
    """The tone and voice frequencies of the calibration record, for every occasion."""
    tones = np.bincount(statements["tone"].astype(int), minlength=TONE_LEVELS)[:TONE_LEVELS]
    voices = np.array([(statements["voice"] == v).sum() for v in VOICES], dtype=float)
    return Forecast(tones / tones.sum(), voices / voices.sum())


def persistence(occasions: Sequence[Occasion], fallback: Forecast) -> list[Forecast]:
    """Each occasion forecast, with certainty, as the latest earlier occasion's text
    (the climatology for the first)."""
    forecasts, last = [], None
    for occasion in occasions:
        forecasts.append(fallback if last is None else last)
        tone_probs = (
            np.eye(TONE_LEVELS)[occasion.tone]
            if occasion.tone is not None
            else (last.tone_probs if last is not None else fallback.tone_probs)
        )
        last = Forecast(tone_probs, np.eye(len(VOICES))[VOICES.index(occasion.voice)])
    return forecasts


def score(forecasts: Sequence[Forecast], occasions: Sequence[Occasion]) -> dict[str, float]:
    """The scores of ``forecasts`` on ``occasions`` (the same order); tone scores use
    the occasions with a text, the voice score all of them."""
    pairs = [(f, o) for f, o in zip(forecasts, occasions, strict=True) if o.tone is not None]
    result: dict[str, float] = {"occasions": len(occasions), "with_text": len(pairs)}
    if pairs:
        means = np.array([f.mean for f, _ in pairs])
        observed = np.array([o.tone for _, o in pairs], dtype=float)
        constant = np.ptp(means) == 0 or np.ptp(observed) == 0
        rho = (
            float("nan")
            if constant or len(pairs) < 3
            else float(spearmanr(means, observed).statistic)
        )
        onehot = np.eye(TONE_LEVELS)[observed.astype(int)]
        probs = np.array([f.tone_probs for f, _ in pairs])
        result.update(
            spearman=rho,
            mae=float(np.mean(np.abs(means - observed))),
            modal_accuracy=float(np.mean([f.mode == o.tone for f, o in pairs])),
            rps=float(np.mean(scoringrules.rps_score(onehot, probs, onehot=True))),
        )
    voice_obs = np.eye(len(VOICES))[[VOICES.index(o.voice) for o in occasions]]
    voice_probs = np.array([f.voice_probs for f in forecasts])
    brier = sum(
        scoringrules.brier_score(voice_obs[:, k], voice_probs[:, k]) for k in range(len(VOICES))
    )
    result["brier_voice"] = float(np.mean(brier))
    return result


def select(
    occasions: Iterable[Occasion], forecasts: Iterable[Forecast], keep
) -> tuple[list[Forecast], list[Occasion]]:
    """The (forecast, occasion) pairs whose occasion satisfies ``keep``."""
    pairs = [(f, o) for f, o in zip(forecasts, occasions, strict=True) if keep(o)]
    return [f for f, _ in pairs], [o for _, o in pairs]
