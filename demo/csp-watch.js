// Records Content-Security-Policy violations so that the CSP test can assert there are none.
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`),
);
