/** An API error's `detail`, shown where the user acted. */
export function ErrorNote({ error, onRetry }: { error: string | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
      {onRetry ? (
        <button type="button" className="link" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </p>
  );
}
