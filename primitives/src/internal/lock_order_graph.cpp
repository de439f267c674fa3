#include "weft/internal/lock_order_graph.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace weft::internal {

namespace {

// std::less gives a total order on unrelated pointers; `<` does not.
bool before(const void* a, const void* b) noexcept {
  return std::less<const void*>{}(a, b);
}

template <typename T>
void erase_one(std::vector<T>& v, const T& value) {
  const auto it = std::find(v.begin(), v.end(), value);
  if (it != v.end()) {
    *it = v.back();
    v.pop_back();
  }
}

[[noreturn]] void broken(const char* what) {
  throw std::logic_error(std::string("weft internal error (lock_order_graph): ") + what);
}

bool contains(const std::vector<const void*>& v, const void* value) {
  return std::find(v.begin(), v.end(), value) != v.end();
}

std::string format_location(weft::source_location where) {
  std::string_view file = where.file_name();
  // Paths are long and machine-specific; the file name and line suffice.
  if (const auto slash = file.rfind('/'); slash != std::string_view::npos) {
    file.remove_prefix(slash + 1);
  }
  return std::string(file) + ":" + std::to_string(where.line());
}

}  // namespace

// The other locks a thread held when it made an edge: a span of addresses or
// of held locks, minus the edge's own two locks. A view, so that a duplicate
// edge costs no allocation.
struct lock_order_graph::gate_view {
  std::span<const void* const> raw;
  std::span<const held_lock> held;
  const void* skip_a = nullptr;
  const void* skip_b = nullptr;

  template <typename F>
  void for_each(F f) const {
    for (const void* lock : raw) {
      if (lock != skip_a && lock != skip_b) f(lock);
    }
    for (const held_lock& h : held) {
      if (h.lock != skip_a && h.lock != skip_b) f(h.lock);
    }
  }

  [[nodiscard]] bool contains(const void* lock) const {
    bool found = false;
    for_each([&](const void* g) { found = found || g == lock; });
    return found;
  }

  [[nodiscard]] std::vector<const void*> sorted() const {
    std::vector<const void*> out;
    for_each([&](const void* g) { out.push_back(g); });
    std::sort(out.begin(), out.end(), before);
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
};

// One search for reportable cycles through `closing` (from `h` to `a`) that
// use its site `closing_site`: simple paths a -> ... -> h, each edge with a
// site compatible with the sites chosen so far.
struct lock_order_graph::search {
  lock_order_graph& graph;
  edge& closing;
  const lock_order_site& closing_site;
  std::vector<lock_order_cycle>& found;
  std::size_t steps = 0;
  std::size_t reportable = 0;  // cycles found that the rules allow, new or not
  bool truncated = false;

  // Constraint state along the current path.
  std::vector<seam::thread_id> threads;
  std::vector<const void*> gates;

  struct frame {
    node* at;
    edge* entered_by;                     // null for the start node
    const lock_order_site* entered_site;  // the site chosen for entered_by
    std::size_t next_edge = 0;
    std::size_t next_site = 0;
  };
  std::vector<frame> frames;

  search(lock_order_graph& g, edge& e, const lock_order_site& s, std::vector<lock_order_cycle>& out)
      : graph(g), closing(e), closing_site(s), found(out) {
    push_constraints(s);
  }

  [[nodiscard]] bool budget_left() const { return steps < graph.options_.max_search_steps; }

  [[nodiscard]] bool compatible(const lock_order_site& s) const {
    if (graph.options_.require_distinct_threads &&
        std::find(threads.begin(), threads.end(), s.thread) != threads.end()) {
      return false;
    }
    if (graph.options_.suppress_gated) {
      for (const void* g : s.gates) {
        if (contains(gates, g)) return false;
      }
    }
    return true;
  }

  void push_constraints(const lock_order_site& s) {
    threads.push_back(s.thread);
    gates.insert(gates.end(), s.gates.begin(), s.gates.end());
  }

  void pop_constraints(const lock_order_site& s) {
    threads.pop_back();
    gates.resize(gates.size() - s.gates.size());
  }

  // Enumerates simple paths from closing.to to closing.from over the edges
  // `allowed` accepts, recording each reportable cycle, until this search
  // found `limit` reportable cycles (reported now or before), or the step
  // budget is spent.
  template <typename Allowed>
  void enumerate(Allowed allowed, std::size_t limit) {
    node* const start = closing.to;
    node* const target = closing.from;
    start->on_path = true;
    frames.push_back(frame{start, nullptr, nullptr});
    while (!frames.empty() && reportable < limit) {
      frame& f = frames.back();
      if (f.next_edge >= f.at->out.size()) {
        if (f.entered_by != nullptr) pop_constraints(*f.entered_site);
        f.at->on_path = false;
        frames.pop_back();
        continue;
      }
      if (!budget_left()) {
        truncated = true;
        break;
      }
      ++steps;
      edge* e = f.at->out[f.next_edge];
      if (f.next_site == 0 && (!allowed(*e) || e->to->on_path)) {
        ++f.next_edge;
        continue;
      }
      if (f.next_site >= e->sites.size()) {
        ++f.next_edge;
        f.next_site = 0;
        continue;
      }
      const lock_order_site& s = e->sites[f.next_site++];
      if (!compatible(s)) continue;
      if (e->to == target) {
        record(*e, s);
        // Other sites of this edge close the same lock sequence.
        f.next_site = e->sites.size();
        continue;
      }
      push_constraints(s);
      e->to->on_path = true;
      frames.push_back(frame{e->to, e, &s});
    }
    // Unwind after an early stop.
    while (!frames.empty()) {
      frame& f = frames.back();
      if (f.entered_by != nullptr) pop_constraints(*f.entered_site);
      f.at->on_path = false;
      frames.pop_back();
    }
  }

  // The current path plus `last` (into the target) plus the closing edge is
  // a reportable cycle; report it unless it was reported before.
  void record(edge& last, const lock_order_site& last_site) {
    std::vector<const void*> locks;
    locks.reserve(frames.size() + 1);
    for (const frame& f : frames)
      locks.push_back(f.at->lock);
    locks.push_back(last.to->lock);
    ++reportable;
    const auto smallest = std::min_element(locks.begin(), locks.end(), before);
    std::rotate(locks.begin(), smallest, locks.end());
    if (!graph.reported_.insert(locks).second) return;
    for (const void* lock : locks)
      ++graph.nodes_.at(lock).reported_cycles;
    ++graph.stats_.cycles_reported;

    lock_order_cycle cycle;
    cycle.reserve(frames.size() + 1);
    for (const frame& f : frames) {
      if (f.entered_by != nullptr) {
        cycle.push_back({f.entered_by->from->lock, f.entered_by->to->lock, *f.entered_site});
      }
    }
    cycle.push_back({last.from->lock, last.to->lock, last_site});
    cycle.push_back({closing.from->lock, closing.to->lock, closing_site});
    found.push_back(std::move(cycle));
  }
};

std::size_t lock_order_graph::edge_key_hash::operator()(const edge_key& key) const noexcept {
  const std::size_t a = std::hash<const void*>{}(key.held);
  const std::size_t b = std::hash<const void*>{}(key.acquired);
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

std::size_t lock_order_graph::cycle_hash::operator()(
    const std::vector<const void*>& locks) const noexcept {
  std::size_t h = locks.size();
  for (const void* lock : locks) {
    h ^= std::hash<const void*>{}(lock) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

lock_order_graph::lock_order_graph(options opts) : options_(opts) {
  options_.max_sites_per_edge = std::max<std::size_t>(options_.max_sites_per_edge, 1);
  options_.max_cycles_per_search = std::max<std::size_t>(options_.max_cycles_per_search, 1);
}

lock_order_graph::~lock_order_graph() = default;

std::vector<lock_order_cycle> lock_order_graph::add_edge(seam::thread_id thread, const void* held,
                                                         weft::source_location held_where,
                                                         const void* acquired,
                                                         weft::source_location acquired_where,
                                                         std::span<const void* const> gates) {
  return add(thread, held, held_where, acquired, acquired_where,
             gate_view{gates, {}, held, acquired});
}

std::vector<lock_order_cycle> lock_order_graph::on_acquire(seam::thread_id thread,
                                                           const void* acquired,
                                                           weft::source_location where,
                                                           std::span<const held_lock> held) {
  std::vector<lock_order_cycle> cycles;
  for (const held_lock& h : held) {
    auto found =
        add(thread, h.lock, h.where, acquired, where, gate_view{{}, held, h.lock, acquired});
    for (auto& cycle : found)
      cycles.push_back(std::move(cycle));
  }
  return cycles;
}

std::vector<lock_order_cycle> lock_order_graph::add(seam::thread_id thread, const void* held,
                                                    weft::source_location held_where,
                                                    const void* acquired,
                                                    weft::source_location acquired_where,
                                                    const gate_view& gates) {
  if (held == acquired) return {};
  edge* e = nullptr;
  if (const auto it = edges_.find(edge_key{held, acquired}); it != edges_.end()) {
    e = &it->second;
    // A site that an existing one dominates can close no cycle the existing
    // one cannot: same thread (or threads ignored), and no more gates.
    const bool dominated = std::any_of(e->sites.begin(), e->sites.end(), [&](const auto& s) {
      if (options_.require_distinct_threads && s.thread != thread) return false;
      if (!options_.suppress_gated) return true;
      return std::all_of(s.gates.begin(), s.gates.end(),
                         [&](const void* g) { return gates.contains(g); });
    });
    if (dominated) {
      ++stats_.duplicates;
      return {};
    }
    if (e->sites.size() >= options_.max_sites_per_edge) {
      ++stats_.sites_dropped;
      return {};
    }
    e->sites.push_back(lock_order_site{thread, held_where, acquired_where, gates.sorted()});
    ++stats_.sites_added;
  } else {
    node& from = node_for(held, end::bottom);
    node& to = node_for(acquired, end::top);
    e = &edges_[edge_key{held, acquired}];
    e->from = &from;
    e->to = &to;
    e->sites.push_back(lock_order_site{thread, held_where, acquired_where, gates.sorted()});
    from.out.push_back(e);
    to.in.push_back(e);
    ++stats_.edges_added;
  }
  // Whether the edge (or, for a new site, the edge it joins) lies on a
  // cycle: only an edge against the order needs a search to tell. A known
  // edge between components is in order (check_invariants), so a new site
  // of it is cleared here too.
  if (e->from->component != e->to->component) {
    if (e->from->component->order < e->to->component->order) {
      ++stats_.additions_without_search;
      return {};
    }
    reorder(e->from->component, e->to->component);
    if (e->from->component != e->to->component) return {};
  }
  return find_cycles(*e, e->sites.size() - 1);
}

// Pearce and Kelly's reordering after an edge from component `from` to
// component `to` against the order (from->order > to->order), on the graph of
// components. Only the region between the two orders can be affected:
// forward, the components `to` reaches with an order below from's; backward,
// those that reach `from` with an order above to's. If the forward search
// reaches `from`, the edge closes a cycle, and the components reached both
// ways (every one on a path from `to` to `from`) become one.
void lock_order_graph::reorder(node* from, node* to) {
  ++stats_.searches;
  ++stats_.reorder_searches;
  const std::uint64_t lower = to->order;
  const std::uint64_t upper = from->order;
  std::uint64_t steps = 0;
  std::uint64_t visits = 0;

  // Each region is kept with the orders, as read while searching: the
  // reordering below sorts them without touching the locks again.
  using placed = std::pair<std::uint64_t, node*>;
  const std::uint64_t forward = ++epoch_;
  std::vector<placed> ahead{{lower, to}};  // the forward region
  to->forward_mark = forward;
  bool cycle = false;
  for (std::size_t head = 0; head < ahead.size(); ++head) {
    node* c = ahead[head].second;
    // Beyond `from`, everything is ordered above it.
    if (c == from) continue;
    auto expand = [&](node* lock) {
      ++visits;
      for (edge* e : lock->out) {
        ++steps;
        node* w = e->to->component;
        if (w->forward_mark == forward || w->order > upper) continue;
        w->forward_mark = forward;
        cycle = cycle || w == from;
        ahead.emplace_back(w->order, w);
      }
    };
    if (c->members.empty()) {
      expand(c);
    } else {
      for (node* m : c->members)
        expand(m);
    }
  }

  const std::uint64_t backward = ++epoch_;
  std::vector<placed> behind{{upper, from}};  // the backward region
  from->backward_mark = backward;
  for (std::size_t head = 0; head < behind.size(); ++head) {
    node* c = behind[head].second;
    if (c == to) continue;
    auto expand = [&](node* lock) {
      ++visits;
      for (edge* e : lock->in) {
        ++steps;
        node* w = e->from->component;
        if (w->backward_mark == backward || w->order < lower) continue;
        w->backward_mark = backward;
        behind.emplace_back(w->order, w);
      }
    };
    if (c->members.empty()) {
      expand(c);
    } else {
      for (node* m : c->members)
        expand(m);
    }
  }
  stats_.search_steps += steps;
  stats_.reorder_visits += visits;

  // The region's places in the order, handed out again: first the
  // components that must come before (they reach `from`), then those on a
  // cycle with the edge, as one, then the ones that must come after (`to`
  // reaches them); each group keeps its internal order. The backward group
  // takes the smallest places and the forward group the largest, so no
  // component moves past one outside the region that it has an edge with.
  // Without a cycle the regions are disjoint.
  std::vector<placed>& first = behind;  // reach `from`, not on a cycle with the edge
  std::vector<placed>& last = ahead;    // reached from `to`, not on a cycle with it
  std::vector<placed> merged;           // on a cycle with the edge
  if (cycle) {
    std::erase_if(first, [&](const placed& p) { return p.second->forward_mark == forward; });
    for (const placed& p : last) {
      if (p.second->backward_mark == backward) merged.push_back(p);
    }
    std::erase_if(last, [&](const placed& p) { return p.second->backward_mark == backward; });
  }
  std::sort(first.begin(), first.end());
  std::sort(last.begin(), last.end());
  std::sort(merged.begin(), merged.end());
  std::vector<std::uint64_t> places(first.size() + last.size() + merged.size());
  auto order_of = [](const placed& p) { return p.first; };
  std::transform(first.begin(), first.end(), places.begin(), order_of);
  const auto first_end = places.begin() + static_cast<std::ptrdiff_t>(first.size());
  const auto last_end = std::transform(last.begin(), last.end(), first_end, order_of);
  std::transform(merged.begin(), merged.end(), last_end, order_of);
  std::inplace_merge(places.begin(), first_end, last_end);
  std::inplace_merge(places.begin(), last_end, places.end());
  std::size_t next = 0;
  for (const placed& p : first)
    p.second->order = places[next++];
  if (cycle) {
    std::vector<node*> on_cycle;
    on_cycle.reserve(merged.size());
    for (const placed& p : merged)
      on_cycle.push_back(p.second);
    merge(on_cycle, places[next]);
  }
  next = places.size() - last.size();
  for (const placed& p : last)
    p.second->order = places[next++];
}

// Makes `components` (representatives, two or more) one component at
// `order`, represented by the largest, whose members list grows.
void lock_order_graph::merge(std::vector<node*>& components, std::uint64_t order) {
  auto size = [](const node* c) { return std::max<std::size_t>(c->members.size(), 1); };
  node* rep = *std::max_element(components.begin(), components.end(),
                                [&](const node* a, const node* b) { return size(a) < size(b); });
  if (rep->members.empty()) rep->members.push_back(rep);
  for (node* c : components) {
    if (c == rep) continue;
    if (c->members.empty()) {
      c->component = rep;
      rep->members.push_back(c);
    } else {
      for (node* m : c->members) {
        m->component = rep;
        rep->members.push_back(m);
      }
      c->members.clear();
      c->members.shrink_to_fit();
    }
    ++stats_.components_merged;
  }
  rep->order = order;
}

// Recomputes the components of `locks` (those still in the graph), the
// rest of a component that lost a lock at `order`, with Tarjan's algorithm,
// and gives them places in the order: `order` and, if it fell apart, the
// places after it, made free by moving every later component up.
void lock_order_graph::split(const std::vector<const void*>& locks, std::uint64_t order) {
  std::vector<node*> set;
  set.reserve(locks.size());
  for (const void* lock : locks) {
    if (const auto it = nodes_.find(lock); it != nodes_.end()) set.push_back(&it->second);
  }
  if (set.empty()) return;
  const std::uint64_t in_set = ++epoch_;
  for (node* v : set) {
    v->forward_mark = in_set;
    v->index = 0;
  }
  // Iterative Tarjan over the edges inside the set. It completes a
  // component only after every component it reaches, so `pieces` comes out
  // in reverse topological order.
  std::vector<std::vector<node*>> pieces;
  std::vector<node*> stack;
  struct frame {
    node* v;
    std::size_t next_edge;
  };
  std::vector<frame> calls;
  std::size_t counter = 0;
  auto visit = [&](node* v) {
    v->index = v->low = ++counter;
    v->on_path = true;
    stack.push_back(v);
    calls.push_back(frame{v, 0});
  };
  for (node* root : set) {
    if (root->index != 0) continue;
    visit(root);
    while (!calls.empty()) {
      frame& f = calls.back();
      node* v = f.v;
      if (f.next_edge < v->out.size()) {
        node* w = v->out[f.next_edge++]->to;
        if (w->forward_mark != in_set) continue;
        if (w->index == 0) {
          visit(w);  // invalidates f
        } else if (w->on_path) {
          v->low = std::min(v->low, w->index);
        }
        continue;
      }
      calls.pop_back();
      if (!calls.empty()) {
        node* parent = calls.back().v;
        parent->low = std::min(parent->low, v->low);
      }
      if (v->low != v->index) continue;
      std::vector<node*> piece;
      node* w = nullptr;
      do {
        w = stack.back();
        stack.pop_back();
        w->on_path = false;
        piece.push_back(w);
      } while (w != v);
      pieces.push_back(std::move(piece));
    }
  }
  std::reverse(pieces.begin(), pieces.end());

  if (pieces.size() > 1) {
    ++stats_.components_split;
    const std::uint64_t room = pieces.size() - 1;
    for (auto& [lock, n] : nodes_) {
      if (n.forward_mark != in_set && n.component == &n && n.order > order) n.order += room;
    }
    top_ += room;
  }
  for (std::vector<node*>& piece : pieces) {
    node* rep = piece.front();
    for (node* m : piece) {
      m->component = rep;
      m->members.clear();
    }
    rep->order = order++;
    if (piece.size() > 1) rep->members = std::move(piece);
  }
}

std::vector<lock_order_cycle> lock_order_graph::find_cycles(edge& closing, std::size_t site_index) {
  std::vector<lock_order_cycle> found;
  node* const start = closing.to;
  node* const target = closing.from;
  // Every cycle through the edge lies in its component.
  node* const component = target->component;
  ++stats_.searches;

  // Breadth-first reachability from `start`, remembering the edge that first
  // reached each node, so that the path found is a shortest one. The target
  // is not expanded: a simple path ends there. Leaving the component leads
  // nowhere back, so the search stays inside, which changes neither the
  // nodes it reaches there nor the order it reaches them in.
  const std::uint64_t forward = ++epoch_;
  std::vector<node*> queue{start};
  start->forward_mark = forward;
  start->parent = nullptr;
  std::uint64_t steps = 0;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    for (edge* e : queue[head]->out) {
      ++steps;
      node* w = e->to;
      if (w->forward_mark == forward || w->component != component) continue;
      w->forward_mark = forward;
      w->parent = e;
      if (w != target) queue.push_back(w);
    }
  }
  stats_.search_steps += steps;
  if (target->forward_mark != forward) return found;
  ++stats_.cycle_searches;

  const lock_order_site& site = closing.sites[site_index];  // not changed by the search
  search s(*this, closing, site, found);

  // First the shortest path, which the reachability search found: a
  // reportable cycle along it is found in time linear in the path (times the
  // site choices), however large the rest of the graph, and short cycles make
  // readable reports.
  const std::uint64_t on_first_path = ++epoch_;
  for (node* v = target; v != start; v = v->parent->from)
    v->parent->path_mark = on_first_path;
  s.enumerate([on_first_path](const edge& e) { return e.path_mark == on_first_path; }, 1);

  // Then every simple path, over the nodes that lie on some path from start
  // to target: reached forward, and reaching the target backward.
  if (s.reportable < options_.max_cycles_per_search && !s.truncated) {
    const std::uint64_t backward = ++epoch_;
    target->backward_mark = backward;
    std::vector<node*> stack{target};
    while (!stack.empty()) {
      node* v = stack.back();
      stack.pop_back();
      if (v == start) continue;
      for (edge* e : v->in) {
        ++s.steps;
        node* u = e->from;
        if (u->forward_mark != forward || u->backward_mark == backward) continue;
        u->backward_mark = backward;
        stack.push_back(u);
      }
    }
    s.enumerate([backward](const edge& e) { return e.to->backward_mark == backward; },
                options_.max_cycles_per_search);
  }
  stats_.search_steps += s.steps;
  if (s.truncated) ++stats_.truncated_searches;
  return found;
}

lock_order_graph::node& lock_order_graph::node_for(const void* lock, end place) {
  const auto [it, added] = nodes_.try_emplace(lock);
  node& n = it->second;
  if (added) {
    // A new lock has no edges yet: it may go anywhere in the order, and at
    // the end its first edge needs, that edge agrees with the order.
    n.lock = lock;
    n.component = &n;
    n.order = place == end::bottom ? bottom_-- : top_++;
  }
  return n;
}

void lock_order_graph::forget(const void* lock) {
  const auto it = nodes_.find(lock);
  if (it == nodes_.end()) return;
  node& n = it->second;
  if (n.reported_cycles > 0) unreport_cycles_through(lock);
  // The rest of its component, which may fall apart without it. (Removing a
  // lock leaves the order of the others topological.)
  const std::uint64_t order = n.component->order;
  std::vector<const void*> rest;
  for (const node* m : n.component->members) {
    if (m != &n) rest.push_back(m->lock);
  }
  std::vector<const void*> neighbours;
  for (edge* e : n.out) {
    erase_one(e->to->in, e);
    neighbours.push_back(e->to->lock);
    edges_.erase(edge_key{lock, e->to->lock});
  }
  for (edge* e : n.in) {
    erase_one(e->from->out, e);
    neighbours.push_back(e->from->lock);
    edges_.erase(edge_key{e->from->lock, lock});
  }
  nodes_.erase(it);
  // A lock left without edges is not in the graph. (It is on no reported
  // cycle: such a cycle would still have its edges.)
  for (const void* neighbour : neighbours) {
    const auto v = nodes_.find(neighbour);
    if (v != nodes_.end() && v->second.in.empty() && v->second.out.empty()) nodes_.erase(v);
  }
  // (A neighbour left without edges was alone in its component, or in
  // `rest`, which split() rechecks.)
  if (!rest.empty()) split(rest, order);
}

void lock_order_graph::unreport_cycles_through(const void* lock) {
  for (auto it = reported_.begin(); it != reported_.end();) {
    if (!contains(*it, lock)) {
      ++it;
      continue;
    }
    for (const void* l : *it) {
      if (const auto n = nodes_.find(l); n != nodes_.end()) --n->second.reported_cycles;
    }
    it = reported_.erase(it);
  }
}

void lock_order_graph::clear() {
  edges_.clear();
  nodes_.clear();
  reported_.clear();
  bottom_ = middle - 1;
  top_ = middle;
  stats_ = {};
}

bool lock_order_graph::has_edge(const void* held, const void* acquired) const {
  return edges_.contains(edge_key{held, acquired});
}

std::span<const lock_order_site> lock_order_graph::sites(const void* held,
                                                         const void* acquired) const {
  const auto it = edges_.find(edge_key{held, acquired});
  if (it == edges_.end()) return {};
  return it->second.sites;
}

std::vector<lock_order_edge> lock_order_graph::edges() const {
  std::vector<lock_order_edge> out;
  out.reserve(edges_.size());
  for (const auto& [key, e] : edges_)
    out.push_back({key.held, key.acquired, e.sites.front()});
  return out;
}

void lock_order_graph::check_invariants() const {
  auto fail = [](const char* what) {
    throw std::logic_error(std::string("weft internal error (lock_order_graph): ") + what);
  };
  std::size_t out_total = 0;
  std::size_t in_total = 0;
  std::unordered_map<const void*, std::size_t> on_cycles;  // a lock is on a cycle at most once
  for (const auto& cycle : reported_) {
    for (const void* lock : cycle)
      ++on_cycles[lock];
  }
  for (const auto& [lock, n] : nodes_) {
    if (n.lock != lock) fail("node keyed by another lock");
    if (n.out.empty() && n.in.empty()) fail("node without edges");
    for (const edge* e : n.out) {
      if (e->from != &n) fail("out-edge does not start at its node");
      const auto it = edges_.find(edge_key{lock, e->to->lock});
      if (it == edges_.end() || &it->second != e) fail("out-edge not in the edge table");
    }
    for (const edge* e : n.in) {
      if (e->to != &n) fail("in-edge does not end at its node");
      if (!edges_.contains(edge_key{e->from->lock, lock})) fail("in-edge not in the edge table");
    }
    out_total += n.out.size();
    in_total += n.in.size();
    const auto counted = on_cycles.find(lock);
    if ((counted == on_cycles.end() ? 0 : counted->second) != n.reported_cycles) {
      fail("reported-cycle count is off");
    }
  }
  if (out_total != edges_.size() || in_total != edges_.size()) fail("edge lists and table differ");
  for (const auto& [key, e] : edges_) {
    if (key.held == key.acquired) fail("self edge");
    if (e.sites.empty() || e.sites.size() > options_.max_sites_per_edge) fail("bad site count");
    if (!nodes_.contains(key.held) || !nodes_.contains(key.acquired)) fail("edge to no node");
    for (const auto& s : e.sites) {
      if (!std::is_sorted(s.gates.begin(), s.gates.end(), before)) fail("gates not sorted");
      if (contains(s.gates, key.held) || contains(s.gates, key.acquired)) fail("edge lock a gate");
    }
  }
  check_order();
  for (const auto& cycle : reported_) {
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      if (!edges_.contains(edge_key{cycle[i], cycle[(i + 1) % cycle.size()]})) {
        fail("reported cycle lost an edge");
      }
    }
  }
}

void lock_order_graph::check_order() const {
  std::unordered_set<std::uint64_t> places;
  std::size_t in_components = 0;
  for (const auto& [lock, n] : nodes_) {
    const node* rep = n.component;
    if (rep == nullptr) broken("lock without a component");
    const auto r = nodes_.find(rep->lock);
    if (r == nodes_.end() || &r->second != rep) broken("component represented by no lock");
    if (rep->component != rep) broken("component represented by a lock of another");
    if (rep != &n) {
      if (!n.members.empty()) broken("members kept by a lock that represents no component");
      if (std::find(rep->members.begin(), rep->members.end(), &n) == rep->members.end()) {
        broken("lock missing from its component's members");
      }
      continue;
    }
    if (n.order <= bottom_ || n.order >= top_) broken("order outside the range handed out");
    if (!places.insert(n.order).second) broken("two components share a place in the order");
    if (n.members.size() == 1) broken("one-lock component with a members list");
    for (const node* m : n.members) {
      if (m->component != &n) broken("member of another component");
    }
    in_components += std::max<std::size_t>(n.members.size(), 1);
  }
  if (in_components != nodes_.size()) broken("components do not partition the locks");
  for (const auto& [key, e] : edges_) {
    if (e.from->component != e.to->component &&
        e.from->component->order >= e.to->component->order) {
      broken("edge between components against the topological order");
    }
  }
  // Every component is strongly connected: its representative reaches all
  // its members inside it, and all reach it. With the order, which rules out
  // cycles between components, the components are exactly the strongly
  // connected ones.
  std::unordered_map<const node*, std::size_t> index;
  index.reserve(nodes_.size());
  for (const auto& [lock, n] : nodes_)
    index.emplace(&n, index.size());
  std::vector<char> reached(nodes_.size(), 0);
  std::vector<const node*> stack;
  for (const auto& [lock, n] : nodes_) {
    if (n.component != &n || n.members.empty()) continue;
    for (const bool forward : {true, false}) {
      std::size_t count = 1;
      reached[index.at(&n)] = 1;
      stack.assign(1, &n);
      while (!stack.empty()) {
        const node* v = stack.back();
        stack.pop_back();
        for (const edge* e : forward ? v->out : v->in) {
          const node* w = forward ? e->to : e->from;
          if (w->component != &n || reached[index.at(w)] != 0) continue;
          reached[index.at(w)] = 1;
          ++count;
          stack.push_back(w);
        }
      }
      for (const node* m : n.members)
        reached[index.at(m)] = 0;
      if (count != n.members.size()) broken("component not strongly connected");
    }
  }
}

std::string describe_cycle(const lock_order_cycle& cycle,
                           const std::function<std::string(const void*)>& name) {
  auto name_of = [&](const void* lock) {
    if (name) return name(lock);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%p", lock);
    return std::string(buffer);
  };
  std::string out;
  for (const lock_order_edge& e : cycle) {
    if (!out.empty()) out += "; ";
    out += "thread " + std::to_string(e.site.thread) + " took " + name_of(e.held) + " (at " +
           format_location(e.site.held_where) + ") then " + name_of(e.acquired) + " (at " +
           format_location(e.site.acquired_where) + ")";
  }
  return out;
}

}  // namespace weft::internal
