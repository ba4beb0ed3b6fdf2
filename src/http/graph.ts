import type { MemberInfo } from '../public-types.js'
import type { Role } from '../config.js'

export interface GraphNode {
  id: string
  name: string
  role: Role
  state: 'alive' | 'suspect'
  /** The node that drew the graph. */
  self: boolean
}

export interface GraphEdge {
  source: string
  target: string
  /** Both ends exchange broadcasts directly (a gossipsub mesh link), as every end that reported the link last said. */
  mesh: boolean
}

export interface NetworkGraph {
  self: string
  nodes: GraphNode[]
  edges: GraphEdge[]
}

/** What the graph is drawn from: the serving node itself, and its membership view. */
export interface GraphSource {
  self: { id: string, name: string, role: Role, neighbours: string[], mesh: string[] }
  members: MemberInfo[]
}

/**
 * The network as this node sees it: itself and the live members (alive or suspect) as nodes; as edges, its own
 * connections and the ones each member listed in its latest heartbeat. Each edge is listed once. It is a mesh link
 * if every end that listed it said so, and neither end is a bootstrap: a graft the other end refused shows in one
 * end's heartbeat until its next one, and peers keep grafting bootstraps, which stay out of the mesh (D = 0) and
 * prune them. Edges to nodes outside the graph (gone, or not known yet) are left out.
 */
export function networkGraph ({ self, members }: GraphSource): NetworkGraph {
  const nodes: GraphNode[] = [{ id: self.id, name: self.name, role: self.role, state: 'alive', self: true }]
  for (const member of members) {
    if (member.state === 'alive' || member.state === 'suspect') {
      nodes.push({ id: member.peerId, name: member.name, role: member.role, state: member.state, self: false })
    }
  }
  const inGraph = new Set(nodes.map(node => node.id))
  const bootstraps = new Set(nodes.filter(node => node.role === 'bootstrap').map(node => node.id))
  const edges = new Map<string, GraphEdge & { reports: number, meshReports: number }>()
  const addEdges = (from: string, neighbours: string[], mesh: string[]): void => {
    if (!inGraph.has(from)) {
      return
    }
    const inMesh = new Set(mesh)
    for (const to of neighbours) {
      if (to === from || !inGraph.has(to)) {
        continue
      }
      const [source, target] = from < to ? [from, to] : [to, from]
      const key = `${source} ${target}`
      const edge = edges.get(key) ?? { source, target, mesh: false, reports: 0, meshReports: 0 }
      edge.reports++
      if (inMesh.has(to)) edge.meshReports++
      edges.set(key, edge)
    }
  }
  addEdges(self.id, self.neighbours, self.mesh)
  for (const member of members) {
    addEdges(member.peerId, member.neighbours, member.mesh)
  }
  return {
    self: self.id,
    nodes,
    edges: [...edges.values()].map(({ source, target, reports, meshReports }) => ({
      source,
      target,
      mesh: meshReports === reports && !bootstraps.has(source) && !bootstraps.has(target)
    }))
  }
}

/** The graph in Graphviz DOT: `dot -Tsvg` draws it. Mesh links are bold, suspect members dashed. */
export function toDot (graph: NetworkGraph): string {
  const lines = ['graph p2p {', '  node [shape=ellipse, fontsize=10];']
  for (const node of graph.nodes) {
    const attributes = [`label=${quote(`${node.name}\n${node.role}`)}`]
    if (node.role === 'bootstrap') attributes.push('shape=box')
    if (node.state === 'suspect') attributes.push('style=dashed')
    if (node.self) attributes.push('penwidth=2')
    lines.push(`  ${quote(node.id)} [${attributes.join(', ')}];`)
  }
  for (const edge of graph.edges) {
    lines.push(`  ${quote(edge.source)} -- ${quote(edge.target)}${edge.mesh ? ' [style=bold, color=blue]' : ' [color=gray]'};`)
  }
  lines.push('}')
  return `${lines.join('\n')}\n`
}

/** A DOT string literal. Names are restricted to `A-Z a-z 0-9 . _ -`, but quoting never trusts that. */
function quote (text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}
