#include "weft/internal/lock_order_graph.hpp"

#include <algorithm>
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
    node& from = node_for(held);
    node& to = node_for(acquired);
    e = &edges_[edge_key{held, acquired}];
    e->from = &from;
    e->to = &to;
    e->sites.push_back(lock_order_site{thread, held_where, acquired_where, gates.sorted()});
    from.out.push_back(e);
    to.in.push_back(e);
    ++stats_.edges_added;
  }
  return find_cycles(*e, e->sites.size() - 1);
}

std::vector<lock_order_cycle> lock_order_graph::find_cycles(edge& closing, std::size_t site_index) {
  std::vector<lock_order_cycle> found;
  node* const start = closing.to;
  node* const target = closing.from;
  ++stats_.searches;
  if (start->out.empty() || target->in.empty()) return found;

  // Breadth-first reachability from `start`, remembering the edge that first
  // reached each node, so that the path found is a shortest one. The target
  // is not expanded: a simple path ends there.
  const std::uint64_t forward = ++epoch_;
  std::vector<node*> queue{start};
  start->forward_mark = forward;
  start->parent = nullptr;
  std::uint64_t steps = 0;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    for (edge* e : queue[head]->out) {
      ++steps;
      node* w = e->to;
      if (w->forward_mark == forward) continue;
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

lock_order_graph::node& lock_order_graph::node_for(const void* lock) {
  node& n = nodes_[lock];
  n.lock = lock;
  return n;
}

void lock_order_graph::forget(const void* lock) {
  const auto it = nodes_.find(lock);
  if (it == nodes_.end()) return;
  node& n = it->second;
  if (n.reported_cycles > 0) unreport_cycles_through(lock);
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
    std::size_t on_cycles = 0;
    for (const auto& cycle : reported_)
      on_cycles += contains(cycle, lock) ? 1U : 0U;
    if (on_cycles != n.reported_cycles) fail("reported-cycle count is off");
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
  for (const auto& cycle : reported_) {
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      if (!edges_.contains(edge_key{cycle[i], cycle[(i + 1) % cycle.size()]})) {
        fail("reported cycle lost an edge");
      }
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
