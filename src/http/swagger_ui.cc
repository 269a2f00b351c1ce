// Swagger UI (npm swagger-ui-dist, pinned in src/http/swagger_ui/package-lock.json) embedded
// at build time with the assembler's .incbin, so /docs needs no CDN and no files at run time.
// STEAD_SWAGGER_DIR is set by src/http/CMakeLists.txt when the package is installed;
// STEAD_SWAGGER_LOCK_SHA (the lock's hash) makes ccache recompile when the version changes.
#include <string>
#include <string_view>

#include "http/internal.h"

#ifdef STEAD_SWAGGER_DIR
#define STEAD_INCBIN(sym, file)                                                      \
  __asm__(".section .rodata\n.global " #sym "_begin\n.balign 16\n" #sym "_begin:\n" \
          ".incbin \"" STEAD_SWAGGER_DIR "/" file "\"\n"                             \
          ".global " #sym "_end\n" #sym "_end:\n.byte 0\n.previous\n");              \
  extern "C" const char sym##_begin[];                                               \
  extern "C" const char sym##_end[];
STEAD_INCBIN(stead_swagger_bundle_js, "swagger-ui-bundle.js")
STEAD_INCBIN(stead_swagger_css, "swagger-ui.css")
STEAD_INCBIN(stead_swagger_favicon32, "favicon-32x32.png")
STEAD_INCBIN(stead_swagger_license, "LICENSE")
#endif

namespace stead::http::detail {

namespace {
constexpr std::string_view kInitializer =
    "window.onload = function () {\n"
    "  window.ui = SwaggerUIBundle({url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true,\n"
    "    presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout'});\n"
    "};\n";

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}
}  // namespace

bool swagger_embedded() {
#ifdef STEAD_SWAGGER_DIR
  return true;
#else
  return false;
#endif
}

bool swagger_asset(std::string_view name, std::string_view& bytes, std::string& content_type) {
  if (name == "swagger-initializer.js") {
    bytes = kInitializer;
    content_type = "application/javascript; charset=utf-8";
    return true;
  }
#ifdef STEAD_SWAGGER_DIR
  auto span = [](const char* b, const char* e) { return std::string_view(b, static_cast<std::size_t>(e - b)); };
  if (name == "swagger-ui-bundle.js") {
    bytes = span(stead_swagger_bundle_js_begin, stead_swagger_bundle_js_end);
    content_type = "application/javascript; charset=utf-8";
    return true;
  }
  if (name == "swagger-ui.css") {
    bytes = span(stead_swagger_css_begin, stead_swagger_css_end);
    content_type = "text/css; charset=utf-8";
    return true;
  }
  if (name == "favicon-32x32.png") {
    bytes = span(stead_swagger_favicon32_begin, stead_swagger_favicon32_end);
    content_type = "image/png";
    return true;
  }
  if (name == "LICENSE") {
    bytes = span(stead_swagger_license_begin, stead_swagger_license_end);
    content_type = "text/plain; charset=utf-8";
    return true;
  }
#endif
  return false;
}

std::string swagger_page(const std::string& title) {
  // Asset URLs are relative to /docs, so the page also works behind a path prefix.
  return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title) +
         " - Swagger UI</title>\n<link rel=\"stylesheet\" href=\"docs/swagger-ui.css\">\n"
         "<link rel=\"icon\" type=\"image/png\" href=\"docs/favicon-32x32.png\">\n</head>\n<body>\n"
         "<div id=\"swagger-ui\"></div>\n<script src=\"docs/swagger-ui-bundle.js\"></script>\n"
         "<script src=\"docs/swagger-initializer.js\"></script>\n</body>\n</html>\n";
}

}  // namespace stead::http::detail
