// CSupport is header-only (include/CSupport.h); SwiftPM needs one source file for a C target.
#include "CSupport.h"
