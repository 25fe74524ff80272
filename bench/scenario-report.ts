/**
 * What a benchmark scenario hands back: its Markdown, as bench:routing prints it, and the figures
 * behind it, for bench:report's summary tables and charts.
 */
export interface ScenarioReport<Figures> {
  markdown: string;
  figures: Figures;
}
