/** The one sequence-diagram renderer: escaping, lanes and tones, and the property the live view needs: it runs from its own source text. */
import vm from 'node:vm';
import { expect } from 'chai';
import { renderSequenceDiagram, workflowStep, type SequenceDiagram } from '../../src/index.js';

const diagram: SequenceDiagram = {
  lanes: [{ id: 'client', label: 'Client' }, { id: 'index', label: 'Index' }, { id: 'registry', label: 'Registry <b>' }],
  rows: [
    { kind: 'band', label: 'A3–A5 <script>alert(1)</script>', ok: false, id: 'd-1', href: '#t-1' },
    { kind: 'arrow', from: 'client', to: 'registry', label: 'GET /v1/repositories/"x"/tags', tone: 'request' },
    { kind: 'arrow', from: 'registry', to: 'index', label: 'GET …/images [Token]', tone: 'request' },
    { kind: 'arrow', from: 'index', to: 'registry', label: '401 = false', tone: 'false' },
    { kind: 'arrow', from: 'registry', to: 'client', label: '401', tone: 'error' },
  ],
};

describe('renderSequenceDiagram', () => {
  it('escapes every label and draws one lane per participant and one arrow per row', () => {
    const svg = renderSequenceDiagram(diagram);
    expect(svg).not.to.include('<script>').and.not.include('<b>');
    expect(svg).to.include('&lt;script&gt;alert(1)&lt;/script&gt;').and.include('Registry &lt;b&gt;').and.include('&quot;x&quot;');
    expect(svg.match(/<g class="arrow /g)).to.have.length(4);
    expect(svg).to.include('class="arrow false"').and.include('marker-end="url(#arrow-false)"');
    expect(svg).to.include('<a href="#t-1">').and.include('id="d-1"');
    expect(svg).not.to.include('style=');
  });

  it('runs from its own source text alone, as the Index serves it to browsers', () => {
    const source = `const __name = (f) => f;\n${renderSequenceDiagram.toString()}\nrenderSequenceDiagram(input);`;
    const fromSource = vm.runInNewContext(source, { input: diagram }) as string;
    expect(fromSource).to.equal(renderSequenceDiagram(diagram));
  });
});

describe('workflowStep', () => {
  const x = { method: 'GET', tokenAuth: false, tokenAsked: false };
  it('labels exchanges with the scenarios\' step numbers, by route and by what the request carried', () => {
    expect(workflowStep('getRepositoryImages', { ...x, tokenAsked: true })).to.equal('A1–A2');
    expect(workflowStep('getRepositoryImages', { ...x, tokenAuth: true })).to.equal(null);
    expect(workflowStep('putImageLayer', x)).to.equal('B3–B4');
    expect(workflowStep('deleteRepository', { ...x, tokenAsked: true })).to.equal('C1–C2');
    expect(workflowStep('deleteRepository', x)).to.equal('C5');
    expect(workflowStep('registryPing', x)).to.equal(null);
    expect(workflowStep(null, x)).to.equal(null);
  });
});
