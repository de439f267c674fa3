// weft/weft.hpp: every weft primitive. Each also has its own header.
#pragma once

#include "weft/misuse.hpp"
#include "weft/mutex.hpp"
