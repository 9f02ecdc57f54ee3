// The geometry of the dashboard's chart of sessions per day, as numbers for
// an inline SVG that the template draws: grouped bars (started, closed,
// failed) per day, a y axis with round steps, and a label every week. The
// template also shows the same numbers as a table, for screen readers and
// for anyone who would rather read them.

import type { DailyActivity } from '../../reports/daily-activity.ts'

type SeriesKey = 'started' | 'closed' | 'failed'

export interface ChartSeries {
  key: SeriesKey
  label: string
  /** A colour of the Okabe-Ito palette, distinguishable with colour-blindness (its green darkened to reach 3:1 contrast on white). */
  color: string
}

export const CHART_SERIES: readonly ChartSeries[] = [
  { key: 'started', label: 'Iniciadas', color: '#0072B2' },
  { key: 'closed', label: 'Cerradas', color: '#007A5A' },
  { key: 'failed', label: 'Fallidas', color: '#D55E00' },
]

export interface ActivityChart {
  series: readonly ChartSeries[]
  width: number
  height: number
  plot: { left: number; top: number; right: number; bottom: number }
  bars: { x: number; y: number; width: number; height: number; color: string; title: string }[]
  yTicks: { y: number; label: string }[]
  xLabels: { x: number; label: string }[]
  /** One sentence with the totals, for the SVG's description. */
  summary: string
  days: DailyActivity[]
}

const WIDTH = 720
const HEIGHT = 260
const PLOT = { left: 44, top: 12, right: WIDTH - 8, bottom: HEIGHT - 28 }
const Y_STEPS = 4

export function activityChart(days: DailyActivity[]): ActivityChart {
  const largest = Math.max(0, ...days.flatMap((day) => [day.started, day.closed, day.failed]))
  const step = roundStep(largest / Y_STEPS)
  const top = Math.max(step * Y_STEPS, step * Math.ceil(largest / step))
  const plotHeight = PLOT.bottom - PLOT.top
  const slot = (PLOT.right - PLOT.left) / Math.max(1, days.length)
  const barWidth = Math.max(1, (slot * 0.8) / CHART_SERIES.length)
  const scale = (value: number) => (value / top) * plotHeight

  const bars = days.flatMap((day, index) =>
    CHART_SERIES.map((series, position) => {
      const value = day[series.key]
      const height = scale(value)
      return {
        x: round(PLOT.left + index * slot + slot * 0.1 + position * barWidth),
        y: round(PLOT.bottom - height),
        width: round(barWidth),
        height: round(height),
        color: series.color,
        title: `${day.day}: ${value} ${series.label.toLowerCase()}`,
      }
    }),
  )
  const yTicks = Array.from({ length: Math.round(top / step) + 1 }, (_, index) => ({
    y: round(PLOT.bottom - scale(index * step)),
    label: String(index * step),
  }))
  const xLabels = days
    .map((day, index) => ({ day, index }))
    .filter(({ index }) => (days.length - 1 - index) % 7 === 0)
    .map(({ day, index }) => ({
      x: round(PLOT.left + index * slot + slot / 2),
      label: `${day.day.slice(8, 10)}/${day.day.slice(5, 7)}`,
    }))

  const total = (key: SeriesKey) => days.reduce((sum, day) => sum + day[key], 0)
  const summary =
    `En los últimos ${days.length} días: ${total('started')} sesiones iniciadas, ` +
    `${total('closed')} cerradas y ${total('failed')} fallidas.`
  return {
    series: CHART_SERIES,
    width: WIDTH,
    height: HEIGHT,
    plot: PLOT,
    bars,
    yTicks,
    xLabels,
    summary,
    days,
  }
}

/** Returns the smallest of 1, 2 or 5 times a power of ten that is at least `value` (1 for 0). */
function roundStep(value: number): number {
  if (value <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const multiple of [1, 2, 5, 10]) if (multiple * power >= value) return multiple * power
  return 10 * power
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
