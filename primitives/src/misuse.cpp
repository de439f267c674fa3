#include "weft/misuse.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "weft/seam/object.hpp"

namespace weft {

namespace {

void default_handler(const misuse_report& report) {
  const std::string text = format_misuse(report);
  std::fprintf(stderr, "weft: misuse: %s\n", text.c_str());
  std::fflush(stderr);
  std::abort();
}

std::atomic<misuse_handler> g_handler{nullptr};

}  // namespace

misuse_handler set_misuse_handler(misuse_handler handler) noexcept {
  misuse_handler previous = g_handler.exchange(handler, std::memory_order_acq_rel);
  return previous != nullptr ? previous : &default_handler;
}

std::string format_misuse(const misuse_report& report) {
  std::ostringstream out;
  out << report.object.type << ' ' << report.object.address << ": " << report.what << " (thread "
      << report.thread;
  if (report.owner != 0) out << "; owner: thread " << report.owner;
  out << ')';
  if (report.where.file_name() != nullptr && report.where.line() != 0) {
    out << " at " << report.where.file_name() << ':' << report.where.line();
  }
  return out.str();
}

namespace seam::internal {

void dispatch_misuse(const misuse_report& report) {
  misuse_handler handler = g_handler.load(std::memory_order_acquire);
  (handler != nullptr ? handler : &default_handler)(report);
}

}  // namespace seam::internal

}  // namespace weft
