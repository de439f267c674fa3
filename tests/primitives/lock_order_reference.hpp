// The lock-order graph's reporting as it was before the graph kept a
// topological order: a breadth-first reachability search from `acquired`
// for every new edge or site, over the whole reachable graph, then the same
// enumeration of reportable cycles. test_lock_order_graph.cpp runs it side
// by side with weft::internal::lock_order_graph on random call sequences:
// the two must report the same cycles, with the same sites, in the same
// order, under every option, including searches cut off by
// max_search_steps. Written for clarity, not speed; reports only (no
// inspection beyond what the comparison needs).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "weft/internal/lock_order_graph.hpp"

namespace weft::testing {

class bfs_lock_order_graph {
 public:
  using graph = internal::lock_order_graph;
  using cycle = internal::lock_order_cycle;
  using site = internal::lock_order_site;

  struct counts {
    std::uint64_t edges_added = 0;
    std::uint64_t sites_added = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t sites_dropped = 0;
    std::uint64_t cycle_searches = 0;
    std::uint64_t truncated_searches = 0;
    std::uint64_t cycles_reported = 0;
  };

  explicit bfs_lock_order_graph(graph::options opts) : opts_(opts) {
    opts_.max_sites_per_edge = std::max<std::size_t>(opts_.max_sites_per_edge, 1);
    opts_.max_cycles_per_search = std::max<std::size_t>(opts_.max_cycles_per_search, 1);
  }

  std::vector<cycle> on_acquire(seam::thread_id thread, const void* acquired,
                                weft::source_location where,
                                std::span<const graph::held_lock> held) {
    std::vector<cycle> out;
    for (const auto& h : held) {
      std::vector<const void*> gates;
      for (const auto& g : held)
        gates.push_back(g.lock);
      for (auto& c : add(thread, h.lock, h.where, acquired, where, gates))
        out.push_back(std::move(c));
    }
    return out;
  }

  std::vector<cycle> add_edge(seam::thread_id thread, const void* held,
                              weft::source_location held_where, const void* acquired,
                              weft::source_location acquired_where,
                              std::span<const void* const> gates) {
    return add(thread, held, held_where, acquired, acquired_where,
               std::vector<const void*>(gates.begin(), gates.end()));
  }

  void forget(const void* lock) {
    const auto it = nodes_.find(lock);
    if (it == nodes_.end()) return;
    std::erase_if(reported_, [&](const std::vector<const void*>& c) {
      return std::find(c.begin(), c.end(), lock) != c.end();
    });
    std::vector<const void*> neighbours;
    for (edge* e : it->second.out) {
      erase_one(e->to->in, e);
      neighbours.push_back(e->to->lock);
      edges_.erase({lock, e->to->lock});
    }
    for (edge* e : it->second.in) {
      erase_one(e->from->out, e);
      neighbours.push_back(e->from->lock);
      edges_.erase({e->from->lock, lock});
    }
    nodes_.erase(it);
    for (const void* n : neighbours) {
      const auto v = nodes_.find(n);
      if (v != nodes_.end() && v->second.in.empty() && v->second.out.empty()) nodes_.erase(v);
    }
  }

  // Whether `to` is reachable from `from` (a naive depth-first search).
  [[nodiscard]] bool reaches(const void* from, const void* to) const {
    std::set<const void*> seen{from};
    std::vector<const void*> stack{from};
    while (!stack.empty()) {
      const void* v = stack.back();
      stack.pop_back();
      if (v == to) return true;
      const auto it = nodes_.find(v);
      if (it == nodes_.end()) continue;
      for (const edge* e : it->second.out) {
        if (seen.insert(e->to->lock).second) stack.push_back(e->to->lock);
      }
    }
    return false;
  }

  [[nodiscard]] const counts& stats() const { return counts_; }
  [[nodiscard]] std::size_t lock_count() const { return nodes_.size(); }
  [[nodiscard]] std::size_t edge_count() const { return edges_.size(); }
  [[nodiscard]] std::size_t reported_cycle_count() const { return reported_.size(); }

 private:
  struct edge;
  struct node {
    const void* lock = nullptr;
    std::vector<edge*> out;
    std::vector<edge*> in;
    bool reached = false;
    bool reaches_target = false;
    bool on_path = false;
    edge* parent = nullptr;
  };
  struct edge {
    node* from = nullptr;
    node* to = nullptr;
    std::vector<site> sites;
    bool on_first_path = false;
  };
  using key = std::pair<const void*, const void*>;

  static void erase_one(std::vector<edge*>& v, edge* e) {
    const auto it = std::find(v.begin(), v.end(), e);
    if (it != v.end()) {
      *it = v.back();
      v.pop_back();
    }
  }

  node& node_for(const void* lock) {
    node& n = nodes_[lock];
    n.lock = lock;
    return n;
  }

  std::vector<cycle> add(seam::thread_id thread, const void* held, weft::source_location held_where,
                         const void* acquired, weft::source_location acquired_where,
                         std::vector<const void*> gates) {
    if (held == acquired) return {};
    std::erase_if(gates, [&](const void* g) { return g == held || g == acquired; });
    std::sort(gates.begin(), gates.end(), std::less<const void*>{});
    gates.erase(std::unique(gates.begin(), gates.end()), gates.end());
    edge* e = nullptr;
    if (const auto it = edges_.find({held, acquired}); it != edges_.end()) {
      e = it->second.get();
      const bool dominated = std::any_of(e->sites.begin(), e->sites.end(), [&](const site& s) {
        if (opts_.require_distinct_threads && s.thread != thread) return false;
        if (!opts_.suppress_gated) return true;
        return std::includes(gates.begin(), gates.end(), s.gates.begin(), s.gates.end(),
                             std::less<const void*>{});
      });
      if (dominated) {
        ++counts_.duplicates;
        return {};
      }
      if (e->sites.size() >= opts_.max_sites_per_edge) {
        ++counts_.sites_dropped;
        return {};
      }
      ++counts_.sites_added;
    } else {
      auto owned = std::make_unique<edge>();
      e = owned.get();
      e->from = &node_for(held);
      e->to = &node_for(acquired);
      e->from->out.push_back(e);
      e->to->in.push_back(e);
      edges_.emplace(key{held, acquired}, std::move(owned));
      ++counts_.edges_added;
    }
    e->sites.push_back(site{thread, held_where, acquired_where, std::move(gates)});
    return find_cycles(*e, e->sites.back());
  }

  // The enumeration state of one search.
  struct search {
    bfs_lock_order_graph& g;
    edge& closing;
    const site& closing_site;
    std::vector<cycle>& found;
    std::size_t steps = 0;
    std::size_t reportable = 0;
    bool truncated = false;
    std::vector<std::pair<edge*, const site*>> path;  // edges into the path's nodes

    [[nodiscard]] bool compatible(const site& s) const {
      std::vector<const site*> chosen{&closing_site};
      for (const auto& p : path)
        chosen.push_back(p.second);
      return std::none_of(chosen.begin(), chosen.end(), [&](const site* c) {
        if (g.opts_.require_distinct_threads && c->thread == s.thread) return true;
        if (!g.opts_.suppress_gated) return false;
        return std::any_of(s.gates.begin(), s.gates.end(), [&](const void* x) {
          return std::find(c->gates.begin(), c->gates.end(), x) != c->gates.end();
        });
      });
    }

    // Depth-first, in the order of each node's out-edges and each edge's
    // sites. An edge takes one step per site and one to leave it; the first
    // step also decides whether the edge may be taken at all.
    template <typename Allowed>
    void enumerate(Allowed allowed, std::size_t limit) {
      closing.to->on_path = true;
      dfs(closing.to, allowed, limit);
      closing.to->on_path = false;
    }

    bool step(std::size_t limit) {
      if (reportable >= limit || truncated) return false;
      if (steps >= g.opts_.max_search_steps) {
        truncated = true;
        return false;
      }
      ++steps;
      return true;
    }

    template <typename Allowed>
    void dfs(node* at, Allowed& allowed, std::size_t limit) {
      for (edge* e : at->out) {
        for (std::size_t i = 0; i <= e->sites.size(); ++i) {
          if (!step(limit)) return;
          if (i == 0 && (!allowed(*e) || e->to->on_path)) break;
          if (i == e->sites.size()) break;
          const site& s = e->sites[i];
          if (!compatible(s)) continue;
          if (e->to == closing.from) {
            record(*e, s);
            i = e->sites.size() - 1;  // the other sites close the same cycle
            continue;
          }
          path.emplace_back(e, &s);
          e->to->on_path = true;
          dfs(e->to, allowed, limit);
          e->to->on_path = false;
          path.pop_back();
        }
      }
    }

    void record(edge& last, const site& last_site) {
      std::vector<const void*> locks{closing.to->lock};
      for (const auto& p : path)
        locks.push_back(p.first->to->lock);
      locks.push_back(last.to->lock);
      ++reportable;
      std::rotate(locks.begin(),
                  std::min_element(locks.begin(), locks.end(), std::less<const void*>{}),
                  locks.end());
      if (!g.reported_.insert(locks).second) return;
      ++g.counts_.cycles_reported;
      cycle c;
      for (const auto& p : path)
        c.push_back({p.first->from->lock, p.first->to->lock, *p.second});
      c.push_back({last.from->lock, last.to->lock, last_site});
      c.push_back({closing.from->lock, closing.to->lock, closing_site});
      found.push_back(std::move(c));
    }
  };

  std::vector<cycle> find_cycles(edge& closing, const site& closing_site) {
    std::vector<cycle> found;
    node* const start = closing.to;
    node* const target = closing.from;
    for (auto& [lock, n] : nodes_) {
      n.reached = false;
      n.reaches_target = false;
      n.parent = nullptr;
    }
    for (auto& [k, e] : edges_)
      e->on_first_path = false;
    std::vector<node*> queue{start};
    start->reached = true;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      for (edge* e : queue[head]->out) {
        if (e->to->reached) continue;
        e->to->reached = true;
        e->to->parent = e;
        if (e->to != target) queue.push_back(e->to);
      }
    }
    if (!target->reached) return found;
    ++counts_.cycle_searches;
    search s{*this, closing, closing_site, found, 0, 0, false, {}};
    for (node* v = target; v != start; v = v->parent->from)
      v->parent->on_first_path = true;
    auto first = [](const edge& e) { return e.on_first_path; };
    s.enumerate(first, 1);
    if (s.reportable < opts_.max_cycles_per_search && !s.truncated) {
      target->reaches_target = true;
      std::vector<node*> stack{target};
      while (!stack.empty()) {
        node* v = stack.back();
        stack.pop_back();
        if (v == start) continue;
        for (edge* e : v->in) {
          ++s.steps;
          if (!e->from->reached || e->from->reaches_target) continue;
          e->from->reaches_target = true;
          stack.push_back(e->from);
        }
      }
      auto between = [](const edge& e) { return e.to->reaches_target; };
      s.enumerate(between, opts_.max_cycles_per_search);
    }
    if (s.truncated) ++counts_.truncated_searches;
    return found;
  }

  graph::options opts_;
  std::map<const void*, node> nodes_;
  std::map<key, std::unique_ptr<edge>> edges_;
  std::set<std::vector<const void*>> reported_;
  counts counts_;
};

}  // namespace weft::testing
