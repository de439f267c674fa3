// weft/misuse.hpp
//
// What happens when a program misuses a weft primitive.
//
// Misuse that is cheap to detect is checked when `WEFT_CHECKS` is on (by
// default in builds without NDEBUG): unlocking a mutex the calling thread does
// not own, destroying a locked mutex, waiting on a condition variable without
// holding its lock, and the like. Each check builds a `misuse_report` naming
// the primitive, the object, the offending thread and the call site, and
// passes it to the misuse handler.
//
// The default handler prints the report to stderr and calls std::abort(). A
// program (or a test) may install its own handler; if that handler returns,
// the primitive carries on as its header documents for that misuse (usually:
// the offending operation is ignored).
//
// Under a checker, misuse is reported to the checker as a finding instead.
//
// Example:
//
//   weft::set_misuse_handler([](const weft::misuse_report& r) {
//     log_error(weft::format_misuse(r));
//   });
#pragma once

#include <string>

#include "weft/seam/runtime.hpp"

// WEFT_CHECKS: 1 to check for misuse, 0 not to. Defaults to on unless NDEBUG.
#ifndef WEFT_CHECKS
#ifdef NDEBUG
#define WEFT_CHECKS 0
#else
#define WEFT_CHECKS 1
#endif
#endif

namespace weft {

using seam::misuse_report;

using misuse_handler = void (*)(const misuse_report& report);

// Installs `handler` for the whole process (nullptr restores the default)
// and returns the previous one. Thread-safe.
misuse_handler set_misuse_handler(misuse_handler handler) noexcept;

// "weft::mutex 0x7ffd...: unlock by thread 3, which does not own it (owner:
// thread 2) at src/app.cpp:42"
[[nodiscard]] std::string format_misuse(const misuse_report& report);

}  // namespace weft
