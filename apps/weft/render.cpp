#include "render.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

namespace weft::cli {

namespace {

std::string format_seconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  return buffer;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

struct totals {
  std::size_t matched = 0;
  std::uint64_t executions = 0;
  double seconds = 0;
};

totals sum(const std::vector<variant_result>& results) {
  totals t;
  for (const variant_result& r : results) {
    if (r.matches()) ++t.matched;
    t.executions += r.report.statistics.executions;
    t.seconds += r.seconds;
  }
  return t;
}

}  // namespace

std::string describe(const scenarios::expectation& e) {
  if (e.verdict == weft::verdict::pass) return "pass";
  return "fail: " + std::string(weft::to_string(e.kind));
}

std::string describe(const weft::report& r) {
  if (r.passed()) return "pass";
  return "fail: " + std::string(weft::to_string(r.kind));
}

std::string_view strategy_name(weft::strategy_kind kind) {
  // The command line's short name for preemption bounding.
  return kind == weft::strategy_kind::preemption_bounding ? "bounded" : weft::to_string(kind);
}

std::optional<weft::strategy_kind> parse_strategy(std::string_view name) {
  for (const weft::strategy_kind k :
       {weft::strategy_kind::random, weft::strategy_kind::pct, weft::strategy_kind::dfs,
        weft::strategy_kind::preemption_bounding}) {
    if (strategy_name(k) == name) return k;
  }
  return std::nullopt;
}

std::string replay_command_line(const selected& which, const weft::report& r) {
  return "weft replay " + which.name() + " '" + r.token + "'";
}

std::string render_text(const std::vector<variant_result>& results, bool verbose) {
  const std::vector<std::string> header = {"scenario", "variant",    "expected", "found",
                                           "result",   "executions", "time"};
  std::vector<std::vector<std::string>> rows;
  for (const variant_result& r : results) {
    rows.push_back({r.which.scenario->name, r.which.variant->name,
                    describe(r.which.variant->expected), describe(r.report),
                    r.matches() ? "ok" : "MISMATCH", std::to_string(r.report.statistics.executions),
                    format_seconds(r.seconds)});
  }
  std::vector<std::size_t> widths(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& row : rows)
      widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c)
      text += (c + 1 < cells.size() ? pad(cells[c], widths[c] + 2) : cells[c]);
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows)
    line(row);
  const totals t = sum(results);
  out += "\n" + std::to_string(results.size()) + " checked: " + std::to_string(t.matched) +
         " as expected, " + std::to_string(results.size() - t.matched) + " not; " +
         std::to_string(t.executions) + " executions in " + format_seconds(t.seconds) + "\n";
  for (const variant_result& r : results) {
    if (r.report.warnings.empty()) continue;
    out += "\nwarnings for " + r.which.name() + " (they do not fail the check):\n";
    for (const std::string& w : r.report.warnings)
      out += "  " + w + "\n";
  }

  const bool every_failure = verbose || results.size() == 1;
  for (const variant_result& r : results) {
    const bool show = !r.matches() || (every_failure && !r.report.passed());
    if (!show) continue;
    out += "\n== " + r.which.name() + ": expected " + describe(r.which.variant->expected) +
           ", found " + describe(r.report) + " ==\n";
    out += weft::to_string(r.report);
    if (!r.report.token.empty())
      out += "\nReplay: " + replay_command_line(r.which, r.report) + "\n";
  }
  return out;
}

std::string render_json(const std::vector<variant_result>& results) {
  nlohmann::json list = nlohmann::json::array();
  for (const variant_result& r : results) {
    const scenarios::variant& v = *r.which.variant;
    nlohmann::json item;
    item["scenario"] = r.which.scenario->name;
    item["variant"] = v.name;
    item["expected"] = {{"verdict", v.expected.verdict == weft::verdict::pass ? "pass" : "fail"},
                        {"kind", weft::to_string(v.expected.kind)}};
    item["match"] = r.matches();
    item["seconds"] = r.seconds;
    item["size"] = {{"threads", v.check_size.threads}, {"iterations", v.check_size.iterations}};
    item["options"] = {{"strategy", strategy_name(r.options.strategy)},
                       {"executions", r.options.executions},
                       {"seed", r.options.seed},
                       {"time_limit_ms", r.options.time_budget.count()},
                       {"max_steps", r.options.max_steps}};
    item["report"] = nlohmann::json::parse(weft::to_json(r.report));
    if (!r.report.token.empty()) item["replay"] = replay_command_line(r.which, r.report);
    list.push_back(std::move(item));
  }
  const totals t = sum(results);
  nlohmann::json doc;
  doc["results"] = std::move(list);
  doc["summary"] = {{"checked", results.size()},
                    {"as_expected", t.matched},
                    {"not_as_expected", results.size() - t.matched},
                    {"executions", t.executions},
                    {"seconds", t.seconds}};
  return doc.dump(2) + "\n";
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no control characters but tab, newline and
        // carriage return, not even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string render_junit(const std::vector<variant_result>& results) {
  // ` name="value"`, the value escaped.
  auto attribute = [](std::string_view name, std::string_view value) {
    std::string text = " ";
    text.append(name).append("=\"").append(xml_escape(value)).append("\"");
    return text;
  };
  auto seconds = [](double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", value);
    return std::string(buffer);
  };
  const totals t = sum(results);
  std::string counts = attribute("tests", std::to_string(results.size()));
  counts += attribute("failures", std::to_string(results.size() - t.matched));
  counts += attribute("errors", "0");
  counts += attribute("time", seconds(t.seconds));

  // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on
  // "literal" + std::string temporaries here.
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  out.append("\n<testsuites").append(attribute("name", "weft")).append(counts).append(">\n");
  out.append("  <testsuite").append(attribute("name", "weft check")).append(counts).append(">\n");
  for (const variant_result& r : results) {
    out.append("    <testcase").append(attribute("classname", r.which.scenario->name));
    out.append(attribute("name", r.which.variant->name))
        .append(attribute("time", seconds(r.seconds)))
        .append(">\n");
    std::string summary = "expected ";
    summary.append(describe(r.which.variant->expected))
        .append(", found ")
        .append(describe(r.report))
        .append(" (")
        .append(std::to_string(r.report.statistics.executions))
        .append(" executions)");
    std::string body = weft::to_string(r.report);
    if (!r.report.token.empty())
      body.append("\nReplay: ").append(replay_command_line(r.which, r.report));
    if (!r.matches()) {
      out.append("      <failure")
          .append(attribute("message", summary))
          .append(attribute("type", "mismatch"))
          .append(">")
          .append(xml_escape(body))
          .append("</failure>\n");
    } else {
      summary.append("\n").append(body);
      out.append("      <system-out>").append(xml_escape(summary)).append("</system-out>\n");
    }
    out.append("    </testcase>\n");
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

int write_results(const std::vector<variant_result>& results, output_format format,
                  const std::optional<std::string>& output, bool verbose,
                  std::string_view command) {
  std::string rendered;
  switch (format) {
    case output_format::text:
      rendered = render_text(results, verbose);
      break;
    case output_format::json:
      rendered = render_json(results);
      break;
    case output_format::junit:
      rendered = render_junit(results);
      break;
  }
  if (output) {
    std::ofstream file(*output, std::ios::binary | std::ios::trunc);
    file << rendered;
    file.close();
    if (!file) {
      std::cerr << command << ": cannot write the report to '" << *output << "'\n";
      return 2;
    }
    // The people at the terminal still get the table.
    if (format != output_format::text) std::cout << render_text(results, verbose);
  } else {
    std::cout << rendered;
  }
  const bool as_expected = std::all_of(results.begin(), results.end(),
                                       [](const variant_result& r) { return r.matches(); });
  return as_expected ? 0 : 1;
}

}  // namespace weft::cli
