// The report, for people (to_string) and for machines (to_json).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "weft/check.hpp"

namespace weft {

std::string to_string(const report& r) {
  std::ostringstream out;
  if (r.passed()) {
    out << "weft: pass";
  } else {
    out << "weft: FAIL (" << to_string(r.kind) << "): " << r.message;
  }
  out << "\n";
  for (const std::string& d : r.details)
    out << "  " << d << "\n";
  for (const std::string& w : r.warnings)
    out << "warning: " << w << "\n";
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.3f s, %.0f executions/s", r.statistics.seconds,
                r.statistics.executions_per_second);
  out << "  " << r.statistics.executions << " executions (" << r.statistics.distinct_interleavings
      << " distinct interleavings";
  if (r.statistics.sleep_set_blocked != 0)
    out << ", " << r.statistics.sleep_set_blocked << " cut short by sleep sets";
  out << "), " << r.statistics.steps << " scheduling points, " << rate << "\n";
  if (r.statistics.exhausted) out << "  all interleavings explored\n";
  if (!r.trace.empty()) {
    out << "trace:\n";
    for (const trace_step& s : r.trace) {
      out << "  " << s.step << "  thread " << s.thread << "  " << s.operation;
      if (!s.object.empty()) out << " " << s.object;
      if (!s.detail.empty()) out << "  (" << s.detail << ")";
      if (s.line != 0) out << "  " << s.file << ":" << s.line;
      out << "\n";
    }
  }
  if (!r.passed() && !r.token.empty() && r.kind != finding_kind::replay_error) {
    out << "replay with: weft::replay(test, \"" << r.token << "\")\n";
  }
  return out.str();
}

std::string to_json(const report& r) {
  nlohmann::json j;
  j["verdict"] = r.passed() ? "pass" : "fail";
  j["kind"] = std::string(to_string(r.kind));
  j["message"] = r.message;
  j["details"] = r.details;
  j["token"] = r.token;
  j["warnings"] = r.warnings;
  j["statistics"] = {{"executions", r.statistics.executions},
                     {"seconds", r.statistics.seconds},
                     {"executions_per_second", r.statistics.executions_per_second},
                     {"distinct_interleavings", r.statistics.distinct_interleavings},
                     {"sleep_set_blocked", r.statistics.sleep_set_blocked},
                     {"exhausted", r.statistics.exhausted},
                     {"steps", r.statistics.steps},
                     {"stacks_allocated", r.statistics.stacks_allocated}};
  nlohmann::json trace = nlohmann::json::array();
  for (const trace_step& s : r.trace) {
    trace.push_back({{"step", s.step},
                     {"thread", s.thread},
                     {"operation", s.operation},
                     {"object", s.object},
                     {"detail", s.detail},
                     {"file", s.file},
                     {"line", s.line}});
  }
  j["trace"] = std::move(trace);
  return j.dump(2);
}

}  // namespace weft
