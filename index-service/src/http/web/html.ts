/**
 * HTML built only through `html\`…\``: every interpolated value is escaped unless it is already Html (built
 * the same way), so user content — a description, a tag, a username — can never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolated = Html | string | number | boolean | null | undefined | readonly Interpolated[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

function render(value: Interpolated): string {
  if (value instanceof Html) return value.text;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Html {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i += 1) out += render(values[i] as Interpolated) + (strings[i + 1] as string);
  return new Html(out);
}

/** Markup the caller vouches for (fixed stylesheets and scripts written in this code base, never input). */
export function trusted(text: string): Html {
  return new Html(text);
}
