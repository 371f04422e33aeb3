/**
 * THE sequence diagram renderer, shared by the scenario HTML report (in Node) and the live view (in the
 * browser, served by the Index as `/static/sequence-diagram.js`). It is one self-contained function — no
 * imports, no helpers outside its body — so the Index can serve its source text as it runs. Colours are SVG
 * attributes, not CSS, so a page whose Content-Security-Policy forbids inline styles shows it unchanged.
 */

export interface DiagramLane {
  readonly id: string;
  readonly label: string;
}

/** A heading across every lane: a workflow step. */
export interface DiagramBand {
  readonly kind: 'band';
  readonly label: string;
  readonly ok?: boolean;
  /** Anchor id of the band, and where clicking it goes (the report links steps both ways). */
  readonly id?: string;
  readonly href?: string;
}

/** One arrow between lanes. `tone` picks its look: a request, an answer, a failed answer, a validation's true or false. */
export interface DiagramArrow {
  readonly kind: 'arrow';
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly tone: 'request' | 'response' | 'error' | 'true' | 'false';
  /** Full text on hover (labels are cut to fit). */
  readonly title?: string;
}

export type DiagramRow = DiagramBand | DiagramArrow;

export interface SequenceDiagram {
  readonly lanes: readonly DiagramLane[];
  readonly rows: readonly DiagramRow[];
  /** Horizontal distance between lanes; default 270. */
  readonly column?: number;
}

export function renderSequenceDiagram(diagram: SequenceDiagram): string {
  const esc = (s: string): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const COLUMN = diagram.column ?? 270;
  const ROW = 26;
  const LEFT = 170;
  const HEAD = 50;
  const MAX_LABEL = Math.max(24, Math.floor(COLUMN / 4.2));
  const FONT = 'ui-monospace,SFMono-Regular,Menlo,monospace';
  const TONES: Record<string, { stroke: string; text: string; dash: string; weight: string }> = {
    request: { stroke: '#1d4ed8', text: '#1f2328', dash: '', weight: 'normal' },
    response: { stroke: '#6b7280', text: '#1f2328', dash: '5 3', weight: 'normal' },
    error: { stroke: '#b42318', text: '#b42318', dash: '5 3', weight: 'normal' },
    true: { stroke: '#17803d', text: '#17803d', dash: '5 3', weight: 'bold' },
    false: { stroke: '#b42318', text: '#b42318', dash: '5 3', weight: 'bold' },
  };
  const x = new Map<string, number>();
  diagram.lanes.forEach((lane, i) => x.set(lane.id, LEFT + i * COLUMN));
  const width = LEFT * 2 + Math.max(0, diagram.lanes.length - 1) * COLUMN;
  const parts: string[] = [];
  let y = HEAD + 20;
  for (const row of diagram.rows) {
    if (row.kind === 'band') {
      const fill = row.ok === false ? '#fde8e8' : '#f1f5f9';
      const stroke = row.ok === false ? '#f5a3a3' : '#cbd5e1';
      const band = `<rect x="10" y="${y}" width="${width - 20}" height="${ROW - 4}" rx="4" fill="${fill}" stroke="${stroke}"/><text x="20" y="${y + 16}" font-family="system-ui,sans-serif" font-size="12" font-weight="bold" fill="#1f2328">${esc(row.label)}</text>`;
      parts.push(`<g${row.id ? ` id="${esc(row.id)}"` : ''} class="band">${row.href ? `<a href="${esc(row.href)}">${band}</a>` : band}</g>`);
    } else {
      const tone = TONES[row.tone] ?? (TONES.request as { stroke: string; text: string; dash: string; weight: string });
      const x1 = x.get(row.from) ?? LEFT;
      const x2 = x.get(row.to) ?? LEFT;
      const dir = x2 >= x1 ? 1 : -1;
      const label = row.label.length > MAX_LABEL ? `${row.label.slice(0, MAX_LABEL - 1)}…` : row.label;
      parts.push(`<g class="arrow ${esc(row.tone)}"><title>${esc(row.title ?? row.label)}</title><line x1="${x1}" y1="${y + 12}" x2="${x2 - dir * 6}" y2="${y + 12}" stroke="${tone.stroke}" stroke-width="1.5"${tone.dash ? ` stroke-dasharray="${tone.dash}"` : ''} marker-end="url(#arrow-${esc(row.tone)})"/><text x="${(x1 + x2) / 2}" y="${y + 7}" text-anchor="middle" font-family="${FONT}" font-size="11" font-weight="${tone.weight}" fill="${tone.text}">${esc(label)}</text></g>`);
    }
    y += ROW;
  }
  const height = y + 20;
  const lifelines = diagram.lanes
    .map((lane) => {
      const cx = x.get(lane.id) as number;
      return `<line x1="${cx}" y1="${HEAD}" x2="${cx}" y2="${height - 10}" stroke="#bbb" stroke-dasharray="4 4"/><rect x="${cx - 70}" y="10" width="140" height="32" rx="6" fill="#eef3ff" stroke="#4a6fd1"/><text x="${cx}" y="31" text-anchor="middle" font-family="system-ui,sans-serif" font-size="13" font-weight="bold" fill="#1d3b8b">${esc(lane.label)}</text>`;
    })
    .join('');
  const markers = Object.entries(TONES)
    .map(([name, tone]) => `<marker id="arrow-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${tone.stroke}"/></marker>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Sequence diagram"><defs>${markers}</defs>${lifelines}${parts.join('')}</svg>`;
}
