package cli

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func newQueryCmd(streams IO) *cobra.Command {
	var (
		c                                  clientFlags
		o                                  outputFlags
		unit, indicator, periodCode, level string
		boundaries                         string
		compare, series                    bool
	)
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Answer an indicator for a unit, its children or a level, or over time",
		Long: `Answer an indicator from the figures the node holds for its subtree, summed
over the units first. With --compare, every child of the unit (or every unit
of --level below it) ranked, with the unit's own figure; with --series, one
value per period of the range. Targets that apply are stated with the three
achievement figures: points above or below, share of plan, change since the
baseline.

With --boundaries DAY, the figures are given in the map of that day: a 2021
figure in 2025 boundaries (--boundaries 2025-07-01) is, for each new unit,
the sum over the old units it was made of. A new unit that received part of
a split unit has no value and names the split unit ("không so sánh được"),
unless weights were declared for that split (tonghop weights declare), in
which case the figure is apportioned and marked as an estimate ("ước tính").
By default a question is in the map in force at the end of its period, and a
series in the map at the end of its range, so that it is one line.

With -o xlsx, the same answer (in the same boundaries) as an Excel workbook on
standard output, numbers as numbers: tonghop query … --compare -o xlsx > so-sanh.xlsx`,
		Example: `  tonghop query --unit 12 --indicator ty_le_truong_thon_la_dang_vien --period 2021 --compare
  tonghop query --unit 106 --indicator so_dang_vien_ket_nap --period 2010..2020 --series
  tonghop query --unit 12 --indicator ty_le_dang_vien_nu --period 2021 --compare --level commune -o csv
  tonghop query --unit 12 --indicator ty_le_dang_vien_nu --period 2021 --compare --boundaries 2025-07-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.format == "xlsx" { // the same answer as a workbook, to standard output
				table := map[bool]string{true: "compare", false: map[bool]string{true: "series", false: "value"}[series]}[compare]
				return exportTable(cmd.Context(), &c, &tonghopv1.ExportTableRequest{UnitCode: unit, Table: table, Indicator: indicator, Period: periodCode, Level: level, Boundaries: boundaries}, "", streams.Out)
			}
			if err := o.check(); err != nil {
				return err
			}
			if unit == "" || indicator == "" || periodCode == "" {
				return fmt.Errorf("%w: --unit, --indicator and --period are required", errUsage)
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			client := tonghopv1.NewRollupServiceClient(conn)
			ind, err := tonghopv1.NewCatalogServiceClient(conn).GetIndicator(cmd.Context(), &tonghopv1.GetIndicatorRequest{Code: indicator})
			if err != nil {
				return err
			}
			var rows []*tonghopv1.IndicatorValue
			switch {
			case compare:
				resp, err := client.CompareIndicator(cmd.Context(), &tonghopv1.CompareIndicatorRequest{UnitCode: unit, Indicator: indicator, Period: periodCode, Level: level, Boundaries: boundaries})
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(streams.Out, resp)
				}
				rows = append(resp.Rows, resp.Parent)
			case series:
				resp, err := client.GetIndicatorSeries(cmd.Context(), &tonghopv1.GetIndicatorSeriesRequest{UnitCode: unit, Indicator: indicator, Period: periodCode, Boundaries: boundaries})
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(streams.Out, resp)
				}
				rows = resp.Points
			default:
				resp, err := client.GetIndicatorValue(cmd.Context(), &tonghopv1.GetIndicatorValueRequest{UnitCode: unit, Indicator: indicator, Period: periodCode, Boundaries: boundaries})
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(streams.Out, resp)
				}
				rows = []*tonghopv1.IndicatorValue{resp.Value}
			}
			if o.format == "table" {
				fmt.Fprintf(streams.Out, say(cmd).indicatorHeading, say(cmd).name(ind.Indicator.Name, ind.Indicator.NameEn), ind.Indicator.Code)
			}
			return say(cmd).indicatorTable(rows, ind.Indicator, o, compare).write(streams.Out, o.format)
		},
	}
	c.register(cmd)
	o.register(cmd)
	f := cmd.Flags()
	f.StringVar(&unit, "unit", "", "unit code")
	f.StringVar(&indicator, "indicator", "", "indicator code (see tonghop catalog indicators)")
	f.StringVar(&periodCode, "period", "", "period or range: 2021, 2021Q3, 2016..2020")
	f.BoolVar(&compare, "compare", false, "every child of the unit, ranked, and the unit itself")
	f.StringVar(&level, "level", "", "with --compare: the units of this level below the unit instead of its children")
	f.BoolVar(&series, "series", false, "one value per period of the range")
	f.StringVar(&boundaries, "boundaries", "", "answer in the map of this day, YYYY-MM-DD (2025-07-01: the 2025 boundaries); default the map at the end of the period")
	return cmd
}

// indicatorTable lays out indicator values: for people in the chosen number
// style with the indicator's decimals, for machines plain.
func (ws *words) indicatorTable(rows []*tonghopv1.IndicatorValue, ind *tonghopv1.Indicator, o outputFlags, lastIsParent bool) *table {
	tab := &table{header: ws.query, fields: []string{"unit_code", "unit", "period", "numerator", "denominator", "value", "target", "difference", "share_of_plan", "change_from_baseline", "met", "reporting"}}
	style := o.style()
	num := func(f *float64, decimals int) string {
		if f == nil {
			return ""
		}
		if o.format == "csv" {
			return strconv.FormatFloat(*f, 'f', -1, 64)
		}
		r := new(big.Rat)
		r.SetFloat64(*f)
		return style.Rat(r, decimals)
	}
	for i, r := range rows {
		rank := strconv.Itoa(i + 1)
		name := r.UnitCode + " " + r.UnitName
		if lastIsParent && i == len(rows)-1 {
			rank = "Σ"
		}
		value := num(r.Value, int(ind.Decimals))
		if value != "" && ind.Unit == "%" && o.format == "table" {
			value += "%"
		}
		var target, diff, share, change, met string
		if a := r.Achievement; a != nil && a.ChangeFromBaseline != nil {
			change = num(a.ChangeFromBaseline, int(ind.Decimals))
			if o.format == "table" && a.BaselineValue != nil {
				change = signed(change) + " (" + a.Target.BaselinePeriod + ")"
			}
		}
		if a := r.Achievement; a != nil && a.Target.Direction == tonghopv1.Direction_DIRECTION_NONE {
			target, diff, share, met = "–", "–", "–", "–"
		} else if a != nil {
			target = directionSign(a.Target.Direction) + num(&a.Target.Value, int(ind.Decimals))
			if ind.Unit == "%" && o.format == "table" {
				target += "%"
			}
			diff = num(&a.Difference, int(ind.Decimals))
			if o.format == "table" {
				diff = signed(diff)
			}
			share = num(&a.ShareOfPlan, 1)
			met = map[bool]string{true: ws.met, false: ws.notMet}[a.Met]
			if o.format == "csv" {
				met = strconv.FormatBool(a.Met)
			}
		}
		reporting := fmt.Sprintf("%d/%d", r.ReportingUnits, r.ExpectedUnits)
		if o.format == "csv" {
			tab.add(r.UnitCode, r.UnitName, r.Period, num(r.Numerator, 0), num(r.Denominator, 0), value, target, diff, share, change, met, reporting)
			continue
		}
		tab.add(rank, name, r.Period, num(r.Numerator, 0), num(r.Denominator, 0), value, target, diff, share, change, met, reporting)
	}
	mapped := false
	for _, r := range rows {
		mapped = mapped || r.Mapping != nil
	}
	if mapped {
		// Figures brought from an older map say how, in a last column.
		tab.fields = append(tab.fields, "mapping")
		tab.header = append(tab.header, ws.boundaries+rows[0].Boundaries)
		for i, r := range rows {
			tab.rows[i] = append(tab.rows[i], ws.mappingNote(r.Mapping, o.format == "csv"))
		}
	}
	return tab
}

// mappingNote says how a figure was brought into other boundaries: from
// which old units, exactly or as an estimate, or why it has no value.
func (ws *words) mappingNote(m *tonghopv1.BoundaryMapping, plain bool) string {
	if m == nil {
		return ""
	}
	src := strings.Join(m.Sources, "+")
	switch {
	case len(m.NotComparable) > 0 && plain:
		return "not_comparable:" + strings.Join(m.NotComparable, "+")
	case len(m.NotComparable) > 0:
		return fmt.Sprintf(ws.notComparable, strings.Join(m.NotComparable, ", "))
	case m.Estimated && plain:
		return "estimated:" + src + ";apportioned:" + strings.Join(m.Apportioned, "+")
	case m.Estimated:
		return fmt.Sprintf(ws.estimated, src, strings.Join(m.Apportioned, ", "))
	case plain:
		return "exact:" + src
	}
	return ws.summedFrom + src
}

// signed puts a plus before a positive figure: "+52,50" since the baseline.
func signed(f string) string {
	if f != "" && f[0] != '-' && strings.Trim(f, "0,.") != "" {
		return "+" + f
	}
	return f
}

func directionSign(d tonghopv1.Direction) string {
	switch d {
	case tonghopv1.Direction_DIRECTION_AT_LEAST:
		return "≥ "
	case tonghopv1.Direction_DIRECTION_AT_MOST:
		return "≤ "
	case tonghopv1.Direction_DIRECTION_ABOVE:
		return "> "
	case tonghopv1.Direction_DIRECTION_BELOW:
		return "< "
	case tonghopv1.Direction_DIRECTION_NONE:
		return "– "
	}
	return "= "
}
