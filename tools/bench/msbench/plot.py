"""The PNG plot of the lag distributions (matplotlib, no display)."""

from __future__ import annotations

import logging

LOG = logging.getLogger(__name__)

_STYLES = {'cast': '-', 'start': ':', 'commit': '--'}


def _cdf(axes, quantiles: list[float], label: str, style: str,
         color: str | None = None) -> None:
    if not quantiles:
        return
    if max(quantiles) <= 0:
        # Every run committed ahead of its time: nothing on a log axis
        # of lateness; the tables give how far ahead.
        return
    fractions = [i / (len(quantiles) - 1) for i in range(len(quantiles))]
    # Lags below 0.1 ms are drawn at 0.1 ms: the x axis is logarithmic.
    axes.plot([max(q, 0.1) for q in quantiles], fractions, style,
              label=label, color=color)


def _finish(axes, title: str) -> None:
    axes.set_xscale('log')
    axes.set_xlabel('lag after the nominal fire time (ms)')
    axes.set_ylabel('fraction of runs')
    axes.set_title(title)
    axes.grid(True, which='both', alpha=0.3)
    axes.legend(fontsize='small')


def write(results: dict, path: str) -> bool:
    """Write the plot; False (and a warning) without matplotlib."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        from matplotlib import pyplot
    except ImportError:
        LOG.warning('matplotlib is not installed: no plot (pip install -r '
                    'tools/bench/requirements.txt)')
        return False
    panels = [name for name in ('burst', 'quiet') if name in results]
    if not panels:
        return False
    figure, axes = pyplot.subplots(1, len(panels), squeeze=False,
                                   figsize=(6.5 * len(panels), 4.5))
    for axis, name in zip(axes[0], panels):
        if name == 'burst':
            burst = results['burst']
            for index, (count, entry) in enumerate(
                    burst['schedulers'].items()):
                for kind in ('cast', 'start'):
                    _cdf(axis, entry['cdf_ms'][kind],
                         f'{kind}, {count} schedulers', _STYLES[kind],
                         color=f'C{index}')
            _finish(axis, f'Burst: {burst["size"]:,} rules due at once')
        else:
            quiet = results['quiet']
            for kind in ('commit', 'cast', 'start'):
                _cdf(axis, quiet['cdf_ms'][kind], kind, _STYLES[kind])
            _finish(axis, f'Quiet load: {quiet["rate_per_s"]} fires/s, '
                          f'{quiet["schedulers"]} schedulers')
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return True
