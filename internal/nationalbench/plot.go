package nationalbench

import (
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// series is one line of a panel: a system's measure at each point.
type series struct {
	name  string
	color color.Color
	dash  bool
	y     func(Point) float64
}

var (
	tonghopColor = color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	pgColor      = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
)

// panel is one measure plotted, with its lines.
type panel struct {
	title, unit string
	log         bool // a logarithmic y axis
	lines       []series
}

// panels are the three measures plotted.
func panels() []panel {
	secs := func(d time.Duration) float64 { return d.Seconds() }
	gib := func(b int64) float64 { return float64(b) / (1 << 30) }
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	rank := func(i int, pg bool) func(Point) float64 {
		return func(p Point) float64 {
			if i >= len(p.Rank) {
				return 0
			}
			if pg {
				return ms(p.Rank[i].PG.P99)
			}
			return ms(p.Rank[i].Tonghop.P99)
		}
	}
	labels := rankLabels()
	return []panel{
		{"a yearly round", "s", false, []series{
			{"tonghop: delivered, verified, stored, rolled up", tonghopColor, false, func(p Point) float64 { return secs(p.Round) }},
			{"PostgreSQL: COPY into the indexed table", pgColor, false, func(p Point) float64 { return secs(p.PGRound) }},
		}},
		{"peak memory", "GiB", false, []series{
			{"tonghop root: peak RSS", tonghopColor, false, func(p Point) float64 { return gib(p.RootPeak) }},
			{"PostgreSQL: largest PSS seen", pgColor, false, func(p Point) float64 { return gib(p.PGPeak) }},
		}},
		{"ranking, p99 (logarithmic)", "ms", true, []series{
			{"tonghop: " + labels[0], tonghopColor, false, rank(0, false)},
			{"tonghop: " + labels[1], tonghopColor, true, rank(1, false)},
			{"PostgreSQL: " + labels[0], pgColor, false, rank(0, true)},
			{"PostgreSQL: " + labels[1], pgColor, true, rank(1, true)},
		}},
	}
}

// Plot draws the growth plot as a PNG: the three measures against the
// years held (the points of one run, on top row) and against the country's
// size (one point per size, bottom row); a row without points is left
// out. withPG says whether PostgreSQL's
// lines are drawn.
func Plot(w io.Writer, years, sizes []Point, withPG bool) error {
	rows := [][]Point{years, sizes}
	xs := []struct {
		label string
		x     func(Point) float64
	}{
		{"years held (rounds stored, the last one included); the 2024 country", func(p Point) float64 { return float64(p.Years) }},
		{"country size (times Vietnam's 2024 units, synthetic); one round", func(p Point) float64 { return float64(p.Scale) }},
	}
	ps := panels()
	var grid [][]*plot.Plot
	for r, points := range rows {
		if len(points) == 0 {
			continue // a row with nothing to draw is left out
		}
		grid = append(grid, make([]*plot.Plot, len(ps)))
		for c, pn := range ps {
			p := plot.New()
			p.Title.Text = pn.title
			p.X.Label.Text = xs[r].label
			p.Y.Label.Text = pn.unit
			p.X.Tick.Marker = atPoints(points, xs[r].x)
			p.Y.Tick.Marker = commaTicks{plot.DefaultTicks{}}
			p.Legend.Top = true
			p.Legend.Left = true
			p.Legend.TextStyle.Font.Size = vg.Points(7)
			p.Title.TextStyle.Font.Size = vg.Points(11)
			p.X.Label.TextStyle.Font.Size = vg.Points(9)
			p.Add(plotter.NewGrid())
			for _, s := range pn.lines {
				if !withPG && s.color == pgColor {
					continue
				}
				xy := make(plotter.XYs, 0, len(points))
				for _, pt := range points {
					if y := s.y(pt); y > 0 || !pn.log {
						xy = append(xy, plotter.XY{X: xs[r].x(pt), Y: y})
					}
				}
				if len(xy) == 0 {
					continue
				}
				l, sc, err := plotter.NewLinePoints(xy)
				if err != nil {
					return fmt.Errorf("plotting %s: %w", s.name, err)
				}
				l.Color, sc.Color = s.color, s.color
				l.Width = vg.Points(1.5)
				if s.dash {
					l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
					sc.Shape = draw.BoxGlyph{}
				}
				p.Add(l, sc)
				p.Legend.Add(s.name, l, sc)
			}
			// Room above the lines for the legend.
			if pn.log {
				p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, commaTicks{plot.LogTicks{Prec: -1}}
				p.Y.Min, p.Y.Max = p.Y.Min/2, p.Y.Max*8
			} else {
				p.Y.Min, p.Y.Max = 0, p.Y.Max*1.45
			}
			grid[len(grid)-1][c] = p
		}
	}
	if len(grid) == 0 {
		return errors.New("no points to plot")
	}
	// 1.200 pixels wide, 360 a row.
	img := vgimg.NewWith(vgimg.UseWH(vg.Points(900), vg.Points(270*float64(len(grid)))), vgimg.UseDPI(96))
	dc := draw.New(img)
	t := draw.Tiles{Rows: len(grid), Cols: len(ps), PadX: vg.Points(16), PadY: vg.Points(16),
		PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(8)}
	canvases := plot.Align(grid, t, dc)
	for r := range grid {
		for c := range grid[r] {
			grid[r][c].Draw(canvases[r][c])
		}
	}
	// The best compression: the plot is committed beside the README.
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(w, img.Image())
}

// commaTicks are another ticker's ticks written with a decimal comma.
type commaTicks struct{ plot.Ticker }

func (c commaTicks) Ticks(min, max float64) []plot.Tick {
	ts := c.Ticker.Ticks(min, max)
	for i := range ts {
		ts[i].Label = strings.ReplaceAll(ts[i].Label, ".", ",")
	}
	return ts
}

// atPoints ticks the x axis at the points' own values: 1×, 2×, 5×, or
// each year.
func atPoints(points []Point, x func(Point) float64) plot.ConstantTicks {
	var ts plot.ConstantTicks
	for _, p := range points {
		v := x(p)
		ts = append(ts, plot.Tick{Value: v, Label: strings.ReplaceAll(fmt.Sprint(v), ".", ",")})
	}
	return ts
}
