"""The recurrent examples: the row-by-row LSTM on digits and the sine forecaster (slow)."""

from __future__ import annotations

import pytest
from test_conv_examples import load_example


@pytest.mark.slow
def test_row_by_row_lstm_on_digits_reaches_0_95():
    assert load_example("lstm_digits").main() >= 0.95


@pytest.mark.slow
def test_sine_forecast_beats_the_naive_forecast():
    """40 steps of closed-loop forecasting: far below the 'last value' error (~1.1)."""
    assert load_example("sine_forecast").main() < 0.05
