// A line chart in plain SVG (no library: a few hundred bytes of logic, no inline styles, so it
// runs under the console's CSP). Each chart has a title and description for screen readers and
// a data table behind a disclosure.

import { h, s } from './dom'
import { table } from './ui'

export interface Series { name: string; points: { x: number; y: number }[] }

const WIDTH = 640
const HEIGHT = 220
const PAD = { left: 64, right: 16, top: 16, bottom: 36 }

export function lineChart(title: string, series: Series[], format: (v: number) => string = v => v.toLocaleString('en')): HTMLElement {
  const all = series.flatMap(x => x.points)
  const figure = h('figure', { class: 'chart' })
  figure.appendChild(h('figcaption', null, title))
  if (all.length === 0) {
    figure.appendChild(h('p', { class: 'state empty' }, 'No data points yet.'))
    return figure
  }
  let minX = Math.min(...all.map(p => p.x))
  let maxX = Math.max(...all.map(p => p.x))
  if (minX === maxX) { minX -= 3600_000; maxX += 3600_000 }
  // Whole-number data (counts) gets whole-number ticks: the top is rounded up to a multiple of four.
  const top = Math.max(1, ...all.map(p => p.y))
  const maxY = all.every(p => Number.isInteger(p.y)) ? Math.ceil(top / 4) * 4 : top
  const x = (v: number) => PAD.left + ((v - minX) / (maxX - minX)) * (WIDTH - PAD.left - PAD.right)
  const y = (v: number) => HEIGHT - PAD.bottom - (v / maxY) * (HEIGHT - PAD.top - PAD.bottom)
  const titleId = `chart-${Math.random().toString(36).slice(2)}`
  const last = series.map(x => `${x.name}: ${x.points.length ? format(x.points[x.points.length - 1].y) : 'none'}`).join(', ')
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${titleId}-t ${titleId}-d`, class: 'chart-svg', preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: `${titleId}-t` }, title),
    s('desc', { id: `${titleId}-d` }, `${all.length} points from ${new Date(minX).toISOString()} to ${new Date(maxX).toISOString()}; latest ${last}.`))
  // Axes and grid: four horizontal lines with labels, time labels at both ends and the middle.
  for (let i = 0; i <= 4; i += 1) {
    const v = (maxY / 4) * i
    svg.appendChild(s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: 'grid' }))
    svg.appendChild(s('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, format(v)))
  }
  // The outer time labels are anchored inwards, so they are not cut at the chart's edges.
  for (const [t, anchor] of [[minX, 'start'], [(minX + maxX) / 2, 'middle'], [maxX, 'end']] as const) {
    svg.appendChild(s('text', { x: anchor === 'start' ? PAD.left : anchor === 'end' ? WIDTH - PAD.right : x(t), y: HEIGHT - 12, 'text-anchor': anchor, class: 'tick' }, new Date(t).toISOString().slice(0, 16).replace('T', ' ')))
  }
  series.forEach((serie, i) => {
    const sorted = [...serie.points].sort((a, b) => a.x - b.x)
    const d = sorted.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('')
    svg.appendChild(s('path', { d, class: `line series-${i}`, fill: 'none' }))
    if (sorted.length <= 60) {
      for (const p of sorted) svg.appendChild(s('circle', { cx: x(p.x).toFixed(1), cy: y(p.y).toFixed(1), r: 3, class: `dot series-${i}` }))
    }
  })
  figure.appendChild(svg)
  figure.appendChild(h('ul', { class: 'legend' }, ...series.map((serie, i) => h('li', null, h('span', { class: `swatch series-${i}`, 'aria-hidden': 'true' }), serie.name))))
  const rows = series.flatMap(serie => serie.points.slice(-200).map(p => [serie.name, new Date(p.x).toISOString(), format(p.y)]))
  figure.appendChild(h('details', { class: 'chart-data' }, h('summary', null, `Data of “${title}”`), table(title, ['Series', 'Time', 'Value'], rows)))
  return figure
}
