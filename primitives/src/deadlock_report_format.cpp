// Text, JSON and Graphviz DOT renderings of the deadlock detector's reports
// and snapshots. JSON and DOT are written by hand (weft::primitives depends
// on nothing but the C++ library and threads), with the escaping each format
// needs.
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "weft/deadlock_detector.hpp"
#include "weft/internal/wait_for_graph.hpp"

namespace weft::deadlock_detector {

namespace {

// ---- Escaping ------------------------------------------------------------------

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out += c;  // UTF-8 passes through
        }
    }
  }
  return out + "\"";
}

// A DOT double-quoted string. `\n` in `text` becomes a centred line break.
std::string dot_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out + "\"";
}

std::string address_text(const void* address) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%p", address);
  return buffer;
}

// ---- Text ----------------------------------------------------------------------

std::string thread_text(const thread_info& t) {
  std::string out = "thread " + std::to_string(t.id);
  if (!t.name.empty()) out += " (" + t.name + ")";
  return out;
}

std::string location(weft::source_location where) {
  return internal::format_location(where);
}

std::string operation_text(const lock_info& lock, lock_mode mode, bool timed) {
  std::string op = lock.type.empty() ? std::string("lock") : lock.type;
  op += mode == lock_mode::shared ? "::lock_shared" : "::lock";
  if (timed) op += " (timed)";
  return op;
}

std::vector<internal::blocked_thread> blocked_threads(const report& r) {
  std::vector<internal::blocked_thread> blocked;
  for (const wait_step& s : r.wait_cycle) {
    internal::blocked_thread b;
    b.thread = s.waiter.id;
    b.operation = operation_text(s.lock, s.requested_mode, s.timed);
    b.resource = s.lock.name;
    b.holder = s.holder.id;
    b.holder_relation = s.holder_waiting                   ? "queued behind the waiting writer"
                        : s.held_mode == lock_mode::shared ? "held shared by"
                                                           : "held by";
    b.where = s.requested_at;
    b.has_where = true;
    b.held_where = s.held_at;
    b.has_held_where = true;
    blocked.push_back(std::move(b));
  }
  return blocked;
}

std::string order_edge_text(const order_step& e) {
  return thread_text(e.thread) + " took " + e.held.name + " (at " + location(e.held_at) +
         ") then " + e.acquired.name + " (at " + location(e.acquired_at) + ")";
}

// ---- JSON ----------------------------------------------------------------------

std::string json(const thread_info& t) {
  return "{\"id\": " + std::to_string(t.id) + ", \"name\": " + json_string(t.name) + "}";
}

std::string json(const lock_info& l) {
  return "{\"address\": " + json_string(address_text(l.address)) +
         ", \"type\": " + json_string(l.type) + ", \"name\": " + json_string(l.name) + "}";
}

std::string json(weft::source_location where) {
  return "{\"file\": " + json_string(where.file_name()) +
         ", \"line\": " + std::to_string(where.line()) + "}";
}

std::string json_mode(lock_mode mode) {
  return json_string(to_string(mode));
}

std::string json(const order_step& e) {
  return "{\"thread\": " + json(e.thread) + ", \"held\": " + json(e.held) +
         ", \"held_at\": " + json(e.held_at) + ", \"acquired\": " + json(e.acquired) +
         ", \"acquired_at\": " + json(e.acquired_at) + "}";
}

template <typename T, typename F>
std::string json_array(const std::vector<T>& items, F&& item, std::string_view indent) {
  if (items.empty()) return "[]";
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    out += indent;
    out += item(items[i]);
  }
  return out + "\n" + std::string(indent.substr(0, indent.size() - 2)) + "]";
}

// ---- DOT -----------------------------------------------------------------------

class dot_writer {
 public:
  explicit dot_writer(std::string_view graph_name) {
    out_ = "digraph " + std::string(graph_name) + " {\n  rankdir=LR;\n";
  }
  std::string thread(const thread_info& t) {
    std::string id = "t" + std::to_string(t.id);
    if (nodes_.emplace(id, true).second) {
      std::string label = "thread " + std::to_string(t.id);
      if (!t.name.empty()) label += "\n" + t.name;
      out_ += "  " + id + " [shape=box, label=" + dot_string(label) + "];\n";
    }
    return id;
  }
  std::string lock(const lock_info& l) {
    std::string id = dot_string("lock " + address_text(l.address));
    if (nodes_.emplace(id, true).second) {
      out_ += "  " + id + " [shape=ellipse, label=" + dot_string(l.name + "\n" + l.type) + "];\n";
    }
    return id;
  }
  void edge(const std::string& from, const std::string& to, std::string_view label,
            std::string_view style) {
    out_ += "  " + from + " -> " + to + " [label=" + dot_string(label);
    if (!style.empty()) out_ += ", " + std::string(style);
    out_ += "];\n";
  }
  std::string finish() { return out_ + "}\n"; }

 private:
  std::string out_;
  std::map<std::string, bool> nodes_;
};

constexpr std::string_view wait_style = "color=red, style=dashed";
constexpr std::string_view held_style = "color=black";
constexpr std::string_view order_style = "color=blue";

std::string order_label(const order_step& e) {
  return thread_text(e.thread) + "\n" + location(e.held_at) + " then " + location(e.acquired_at);
}

}  // namespace

std::string_view to_string(lock_mode mode) noexcept {
  return mode == lock_mode::shared ? "shared" : "exclusive";
}

std::string_view to_string(report_kind kind) noexcept {
  return kind == report_kind::deadlock ? "deadlock" : "lock_order_inversion";
}

// ---- Reports -------------------------------------------------------------------

std::string to_text(const report& r) {
  std::map<seam::thread_id, std::string> thread_names;
  for (const wait_step& s : r.wait_cycle) {
    thread_names[s.waiter.id] = thread_text(s.waiter);
    thread_names[s.holder.id] = thread_text(s.holder);
  }
  const internal::thread_namer name = [&](seam::thread_id id) {
    const auto it = thread_names.find(id);
    return it == thread_names.end() ? "thread " + std::to_string(id) : it->second;
  };

  if (r.kind == report_kind::lock_order_inversion) {
    std::string out = "lock-order inversion (potential deadlock): ";
    for (std::size_t i = 0; i < r.order_cycle.size(); ++i) {
      if (i != 0) out += "; ";
      out += order_edge_text(r.order_cycle[i]);
    }
    return out +
           "\n  the threads take these locks in opposite orders: run at the same time, each can "
           "hold one lock while waiting for the next (take them in one global order, or with "
           "std::scoped_lock)\n";
  }

  const std::vector<internal::blocked_thread> blocked = blocked_threads(r);
  std::vector<std::size_t> cycle(blocked.size());
  for (std::size_t i = 0; i < cycle.size(); ++i)
    cycle[i] = i;
  std::string out = "deadlock: ";
  out += blocked.empty() ? std::string("empty cycle")
                         : name(blocked.front().thread) + " would wait forever (cycle: " +
                               internal::describe_wait_cycle(blocked, cycle, name) + ")";
  out += "\n";
  for (const internal::blocked_thread& b : blocked) {
    out += "  " + internal::describe_blocked_thread(b, name) + "\n";
  }
  return out;
}

std::string to_json(const report& r) {
  std::string out = "{\n  \"kind\": " + json_string(to_string(r.kind)) + ",\n";
  if (r.kind == report_kind::deadlock) {
    out += "  \"cycle\": " +
           json_array(
               r.wait_cycle,
               [](const wait_step& s) {
                 return "{\"waiter\": " + json(s.waiter) + ", \"lock\": " + json(s.lock) +
                        ", \"requested_mode\": " + json_mode(s.requested_mode) +
                        ", \"requested_at\": " + json(s.requested_at) +
                        ", \"timed\": " + (s.timed ? "true" : "false") +
                        ", \"holder\": " + json(s.holder) +
                        ", \"holder_waiting\": " + (s.holder_waiting ? "true" : "false") +
                        ", \"held_mode\": " + json_mode(s.held_mode) +
                        ", \"held_at\": " + json(s.held_at) + "}";
               },
               "    ");
  } else {
    out +=
        "  \"cycle\": " + json_array(
                              r.order_cycle, [](const order_step& e) { return json(e); }, "    ");
  }
  return out + ",\n  \"text\": " + json_string(to_text(r)) + "\n}\n";
}

std::string to_dot(const report& r) {
  dot_writer dot(r.kind == report_kind::deadlock ? "deadlock" : "lock_order_inversion");
  for (const wait_step& s : r.wait_cycle) {
    const std::string waiter = dot.thread(s.waiter);
    const std::string lock = dot.lock(s.lock);
    const std::string holder = dot.thread(s.holder);
    dot.edge(waiter, lock,
             std::string("waits (") + std::string(to_string(s.requested_mode)) + ")\n" +
                 location(s.requested_at),
             wait_style);
    dot.edge(lock, holder,
             std::string(s.holder_waiting ? "writer ahead" : "held") + " (" +
                 std::string(to_string(s.held_mode)) + ")\n" + location(s.held_at),
             s.holder_waiting ? wait_style : held_style);
  }
  for (const order_step& e : r.order_cycle) {
    dot.edge(dot.lock(e.held), dot.lock(e.acquired), order_label(e), order_style);
  }
  return dot.finish();
}

// ---- Snapshots -----------------------------------------------------------------

std::string to_text(const graph_snapshot& s) {
  std::string out = "threads:\n";
  if (s.threads.empty()) out += "  (none)\n";
  for (const thread_snapshot& t : s.threads) {
    out += "  " + thread_text(t.thread) + ":";
    if (t.held.empty() && !t.waiting) out += " holds nothing";
    for (std::size_t i = 0; i < t.held.size(); ++i) {
      const held_lock_info& h = t.held[i];
      out += (i == 0 ? " holds " : ", ") + h.lock.name + " (" + std::string(to_string(h.mode)) +
             ", at " + location(h.acquired_at) + ")";
    }
    if (t.waiting) {
      out += std::string(t.held.empty() ? "" : ";") + " waits for " + t.waiting->lock.name + " (" +
             std::string(to_string(t.waiting->mode)) + (t.waiting->timed ? ", timed" : "") +
             ", at " + location(t.waiting->requested_at) + ")";
    }
    out += "\n";
  }
  out += "lock order:\n";
  if (s.lock_order.empty()) out += "  (none)\n";
  for (const order_step& e : s.lock_order) {
    out += "  " + e.held.name + " -> " + e.acquired.name + ": " + order_edge_text(e) + "\n";
  }
  return out;
}

std::string to_json(const graph_snapshot& s) {
  std::string out = "{\n  \"threads\": ";
  out += json_array(
      s.threads,
      [](const thread_snapshot& t) {
        std::string item = "{\"thread\": " + json(t.thread) + ", \"held\": [";
        for (std::size_t i = 0; i < t.held.size(); ++i) {
          const held_lock_info& h = t.held[i];
          item += (i == 0 ? "" : ", ") + std::string("{\"lock\": ") + json(h.lock) +
                  ", \"mode\": " + json_mode(h.mode) + ", \"acquired_at\": " + json(h.acquired_at) +
                  "}";
        }
        item += "], \"waiting\": ";
        if (t.waiting) {
          item += "{\"lock\": " + json(t.waiting->lock) +
                  ", \"mode\": " + json_mode(t.waiting->mode) +
                  ", \"requested_at\": " + json(t.waiting->requested_at) +
                  ", \"timed\": " + (t.waiting->timed ? "true" : "false") + "}";
        } else {
          item += "null";
        }
        return item + "}";
      },
      "    ");
  out += ",\n  \"lock_order\": " +
         json_array(
             s.lock_order, [](const order_step& e) { return json(e); }, "    ");
  return out + "\n}\n";
}

std::string to_dot(const graph_snapshot& s) {
  dot_writer dot("weft_locks");
  for (const thread_snapshot& t : s.threads) {
    const std::string thread = dot.thread(t.thread);
    for (const held_lock_info& h : t.held) {
      dot.edge(dot.lock(h.lock), thread,
               "held (" + std::string(to_string(h.mode)) + ")\n" + location(h.acquired_at),
               held_style);
    }
    if (t.waiting) {
      dot.edge(thread, dot.lock(t.waiting->lock),
               "waits (" + std::string(to_string(t.waiting->mode)) + ")\n" +
                   location(t.waiting->requested_at),
               wait_style);
    }
  }
  for (const order_step& e : s.lock_order) {
    dot.edge(dot.lock(e.held), dot.lock(e.acquired), order_label(e), order_style);
  }
  return dot.finish();
}

}  // namespace weft::deadlock_detector
