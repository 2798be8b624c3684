import { Text } from "@medusajs/ui"

type Day = { day: string; sent: number; opened: number; clicked: number; converted: number }

const SERIES = [
  // The dashboard's own colour variables, so the chart follows its light and dark themes.
  { key: "sent", label: "Sent", color: "var(--tag-neutral-icon)" },
  { key: "opened", label: "Opened", color: "var(--tag-blue-icon)" },
  { key: "clicked", label: "Clicked", color: "var(--tag-green-icon)" },
  { key: "converted", label: "Orders", color: "var(--tag-orange-icon)" },
] as const

/**
 * Grouped bars per day, every day of the period (days without messages are empty). Each bar has a
 * title for hover, and the same numbers are in the tables below.
 */
export function DailyChart({ days }: { days: Day[] }) {
  const max = Math.max(1, ...days.flatMap((d) => SERIES.map((s) => d[s.key])))
  const groupWidth = 28
  const barWidth = groupWidth / (SERIES.length + 1)
  const height = 140
  return (
    <figure className="flex flex-col gap-2">
      <svg
        role="img"
        aria-label={`Messages and orders per day, ${days.length} day(s)`}
        viewBox={`0 0 ${Math.max(days.length, 1) * groupWidth} ${height + 16}`}
        // Inline sizes: the admin's Tailwind build only has the classes the dashboard itself uses.
        style={{ width: "100%", height: 176 }}
        preserveAspectRatio="none"
      >
        {days.map((day, i) => (
          <g key={day.day} transform={`translate(${i * groupWidth}, 0)`}>
            {SERIES.map((series, j) => {
              const barHeight = (day[series.key] / max) * height
              return (
                <rect
                  key={series.key}
                  x={j * barWidth + barWidth / 2}
                  y={height - barHeight}
                  width={barWidth - 1}
                  height={barHeight}
                  fill={series.color}
                >
                  <title>{`${day.day}: ${day[series.key]} ${series.label.toLowerCase()}`}</title>
                </rect>
              )
            })}
          </g>
        ))}
      </svg>
      <figcaption className="flex gap-4">
        {SERIES.map((series) => (
          <span key={series.key} className="flex items-center gap-1">
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" fill={series.color} />
            </svg>
            <Text size="xsmall">{series.label}</Text>
          </span>
        ))}
      </figcaption>
    </figure>
  )
}
