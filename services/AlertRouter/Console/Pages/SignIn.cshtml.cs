using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Monitoring.ServiceDefaults;

namespace Monitoring.AlertRouter.Console.Pages;

/// <summary>Local sign-in (an access key opens a cookie session for its principal) or a link to the OIDC provider.</summary>
public sealed class SignInModel(IOptions<ConsoleAuthOptions> console, IOptionsMonitor<AuthOptions> auth) : PageModel
{
    public bool Local => console.Value.LocalSignIn && !Oidc;
    public bool Oidc => !string.IsNullOrWhiteSpace(console.Value.OidcAuthority);

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public IActionResult OnGetOidc() => Oidc
        ? Challenge(new AuthenticationProperties { RedirectUri = SafeReturn() }, ConsoleAuthenticationExtensions.OidcScheme)
        : NotFound();

    public async Task<IActionResult> OnPostAsync(string? key)
    {
        if (!Local)
        {
            return NotFound();
        }

        var principal = string.IsNullOrEmpty(key) ? null : ConsoleAuthenticationExtensions.PrincipalForKey(auth.CurrentValue, key);
        if (principal is null)
        {
            Error = "That key is not known.";
            return Page();
        }

        await HttpContext.SignInAsync(ConsoleAuthenticationExtensions.CookieScheme, principal);
        return LocalRedirect(SafeReturn());
    }

    private string SafeReturn() => ReturnUrl is { } r && Url.IsLocalUrl(r) && r.StartsWith("/console", StringComparison.Ordinal) ? r : "/console";
}
